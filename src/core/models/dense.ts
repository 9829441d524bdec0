// Linear layer ([in, out] kernel, as TensorFlow.js): the classifier and the squeeze-excite FCs, never standardized.
import { tf } from "../engine/tf.js";
import type { ParamStore } from "./paramStore.js";
import type { DensePlan } from "./plan.js";

export function applyDense(plan: DensePlan, params: ParamStore, x: tf.Tensor2D): tf.Tensor2D {
  return tf.add(tf.matMul(x, params.get<tf.Rank.R2>(plan.weight)), params.get(plan.bias)) as tf.Tensor2D;
}
