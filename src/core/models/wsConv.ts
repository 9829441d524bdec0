// Scaled weight-standardized convolution (PAPER.md, `base.WSConv2D`):
//   Ŵ = gain · (W − mean) / sqrt(max(N·var, 1e-4)),  N = fan-in = kh·kw·(cin/groups),
// with mean and var per output channel over axes (0,1,2). Each output then has unit-norm, zero-mean weights, so it
// preserves the variance of a unit-second-moment input and removes its mean. The same layer without
// standardization (plain `gain·W`) serves the "no WS" ablation, and without gain/bias the BatchNorm baseline.
import { groupedConv2d } from "../engine/groupedConv.js";
import { tf } from "../engine/tf.js";
import type { ParamStore } from "./paramStore.js";
import type { ConvPlan } from "./plan.js";

/** Floors N·var so that a (near-)constant filter does not divide by zero. */
export const WS_EPS = 1e-4;

/** Standardizes an HWIO kernel per output channel and applies the per-output gain. */
export function standardizeWeight(w: tf.Tensor4D, gain: tf.Tensor1D): tf.Tensor4D {
  const [kh, kw, cin] = w.shape;
  const fanIn = kh * kw * cin;
  const { mean, variance } = tf.moments(w, [0, 1, 2], true);
  const scale = tf.mul(tf.rsqrt(tf.maximum(tf.mul(variance, fanIn), WS_EPS)), gain);
  return tf.sub(tf.mul(w, scale), tf.mul(mean, scale)) as tf.Tensor4D;
}

/** The kernel a conv actually applies. */
export function effectiveWeight(plan: ConvPlan, params: ParamStore): tf.Tensor4D {
  const w = params.get<tf.Rank.R4>(plan.weight);
  if (!plan.gain) return w;
  const gain = params.get<tf.Rank.R1>(plan.gain);
  return plan.standardize ? standardizeWeight(w, gain) : (tf.mul(w, gain) as tf.Tensor4D);
}

export function applyConv(plan: ConvPlan, params: ParamStore, x: tf.Tensor4D): tf.Tensor4D {
  const y = groupedConv2d(x, effectiveWeight(plan, params), plan.stride, "same", plan.groups);
  return plan.bias ? (tf.add(y, params.get(plan.bias)) as tf.Tensor4D) : y;
}
