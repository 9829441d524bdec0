// BatchNorm for the Fig. 2(a) baseline. Training uses the batch's statistics and moves the running averages
// (kept in Model.state); inference uses the running averages.
import { batchNormTraining } from "../engine/ops/fusedBatchNorm.js";
import { tf } from "../engine/tf.js";
import type { ParamStore } from "./paramStore.js";
import type { BatchNormPlan } from "./plan.js";

export const BN_EPS = 1e-5;
/** Fraction of the running average kept at each training step. */
export const BN_MOMENTUM = 0.9;

export function applyBatchNorm(
  plan: BatchNormPlan,
  params: ParamStore,
  state: ParamStore,
  x: tf.Tensor4D,
  training: boolean,
): tf.Tensor4D {
  const scale = params.get<tf.Rank.R1>(plan.scale);
  const offset = params.get<tf.Rank.R1>(plan.offset);
  const runMean = state.get<tf.Rank.R1>(plan.mean);
  const runVar = state.get<tf.Rank.R1>(plan.variance);
  if (!training) return tf.batchNorm(x, runMean, runVar, offset, scale, BN_EPS) as tf.Tensor4D;
  // One op with a hand-written gradient (the batch's mean and biased variance over N, H, W, then the same
  // normalisation as tf.batchNorm's): tfjs's own composition tiles the statistics to x's shape in its gradient.
  const { y, mean, variance } = batchNormTraining(x, scale, offset, BN_EPS);
  // The running averages are bookkeeping: they do not lead to the loss, so no gradient flows through them.
  const m = BN_MOMENTUM;
  runMean.assign(tf.add(tf.mul(runMean, m), tf.mul(mean, 1 - m)));
  runVar.assign(tf.add(tf.mul(runVar, m), tf.mul(variance, 1 - m)));
  return y;
}
