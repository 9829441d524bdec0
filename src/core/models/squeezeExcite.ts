// Squeeze-excite (`base.SqueezeExcite`): out · 2σ(FC(relu(FC(mean_hw(out))))). The ×2 makes the gate ≈1 at init
// (σ(0) = ½), so SE does not halve the residual branch's signal. The paper writes GELU; the code uses ReLU.
import { tf } from "../engine/tf.js";
import { applyDense } from "./dense.js";
import type { ParamStore } from "./paramStore.js";
import type { SqueezeExcitePlan } from "./plan.js";

export function applySqueezeExcite(plan: SqueezeExcitePlan, params: ParamStore, x: tf.Tensor4D): tf.Tensor4D {
  const [n, , , c] = x.shape;
  const pooled = tf.mean(x, [1, 2]) as tf.Tensor2D;
  const hidden = tf.relu(applyDense(plan.fc0, params, pooled));
  const gate = tf.mul(tf.sigmoid(applyDense(plan.fc1, params, hidden)), 2);
  return tf.mul(x, tf.reshape(gate, [n, 1, 1, c])) as tf.Tensor4D;
}
