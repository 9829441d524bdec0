// Scaled weight-standardized convolution (PAPER.md, `base.WSConv2D`):
//   Ŵ = gain · (W − mean) / sqrt(max(N·var, 1e-4)),  N = fan-in = kh·kw·(cin/groups),
// with mean and var per output channel over axes (0,1,2). Each output then has unit-norm, zero-mean weights, so it
// preserves the variance of a unit-second-moment input and removes its mean. The same layer without
// standardization (plain `gain·W`) serves the "no WS" ablation, and without gain/bias the BatchNorm baseline.
import { addBias } from "../engine/ops/biasAdd.js";
import { groupedConv2d } from "../engine/ops/groupedConv.js";
import { standardizeWeightFused, TIMM_WS_EPS, WS_EPS, wsFusedApplies } from "../engine/ops/weightStandardization.js";
import { tf } from "../engine/tf.js";
import type { ParamStore } from "./paramStore.js";
import type { ConvPlan } from "./plan.js";

/**
 * WS_EPS floors N·var so that a (near-)constant filter does not divide by zero. TIMM_WS_EPS is timm's ε, added to
 * the variance (`ScaledStdConv2dSame(eps=NfCfg.std_conv_eps)`, 1e-5): with `forms: timm`,
 *   Ŵ = gain·(W − mean)·N^-½/sqrt(var + 1e-5)  (timm/layers/std_conv.py, F.batch_norm over each filter).
 */
export { TIMM_WS_EPS, WS_EPS };

/**
 * Standardizes an HWIO kernel per output channel and applies the per-output gain, with a hand-written gradient.
 * Autodiff through the same formula keeps four weight-sized intermediates per conv alive until the backward pass
 * (centred weights, their squares, the scaled weights, the result): on NFNet-F0 (71M parameters, 286 MB per copy)
 * that alone was over 1 GB of a 4 GB wasm heap. Here only W, the gain and the result live on; the backward pass
 * recomputes the centred weights:
 *   c = W − μ,  r = 1/sqrt(max(N·var, ε)),  Ŵ = gain·r·c
 *   dgain = Σ dŴ·r·c,   g = dŴ·gain·r − c·r³·Σ(dŴ·gain·c)·[N·var > ε],   dW = g − mean(g)
 * (sums and means per output channel over axes 0,1,2; the last term is the path through var, whose mean over
 * the N elements cancels the N of N·var). On wasm one fused kernel each way computes the same
 * (engine/ops/weightStandardization.ts); elsewhere tfjs ops do.
 */
export function standardizeWeight(
  w: tf.Tensor4D,
  gain: tf.Tensor1D,
  form: "official" | "timm" = "official",
): tf.Tensor4D {
  if (wsFusedApplies(w, gain)) return standardizeWeightFused(w, gain, form);
  const fanIn = w.shape[0] * w.shape[1] * w.shape[2];
  const stats = (x: tf.Tensor4D) => {
    const { mean, variance } = tf.moments(x, [0, 1, 2], true);
    if (form === "timm") {
      // r = N^-½/sqrt(var + ε): dr/dvar = −½N·r³ as in the official form, and the floor is never inactive.
      return {
        mean,
        r: tf.div(tf.rsqrt(tf.add(variance, TIMM_WS_EPS)), Math.sqrt(fanIn)),
        active: tf.onesLike(variance).cast("bool"),
      };
    }
    const nVar = tf.mul(variance, fanIn);
    return { mean, r: tf.rsqrt(tf.maximum(nVar, WS_EPS)), active: tf.greater(nVar, WS_EPS) };
  };
  // customGrad passes the inputs and then the save function in one untyped rest list.
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [w4, g, save] = args as [tf.Tensor4D, tf.Tensor1D, tf.GradSaveFunc];
    save([w4, g]); // clones by reference count (nfx's wasm Identity shares data), not copies
    const value = tf.tidy(() => {
      const { mean, r } = stats(w4);
      return tf.mul(tf.sub(w4, mean), tf.mul(r, g)) as tf.Tensor4D;
    });
    return {
      value,
      // tidy: tfjs frees a backward pass's temporaries only when the whole gradient is done, so without it the
      // weight-sized temporaries of every conv would add up.
      gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) =>
        tf.tidy(() => {
          const [ws, gs] = saved as [tf.Tensor4D, tf.Tensor1D];
          const s = stats(ws);
          const c = tf.sub(ws, s.mean);
          const dyGain = tf.mul(dy, gs);
          const dGain = tf.reshape(tf.sum(tf.mul(tf.mul(dy, c), s.r), [0, 1, 2]), gs.shape);
          const viaVar = tf.mul(tf.sum(tf.mul(dyGain, c), [0, 1, 2], true), tf.where(s.active, tf.pow(s.r, 3), 0));
          const gw = tf.sub(tf.mul(dyGain, s.r), tf.mul(c, viaVar));
          return [tf.sub(gw, tf.mean(gw, [0, 1, 2], true)), dGain];
        }),
    };
  });
  return op(w, gain) as tf.Tensor4D;
}

/** The kernel a conv actually applies. */
export function effectiveWeight(plan: ConvPlan, params: ParamStore): tf.Tensor4D {
  const w = params.get<tf.Rank.R4>(plan.weight);
  if (!plan.gain) return w;
  const gain = params.get<tf.Rank.R1>(plan.gain);
  return plan.standardize ? standardizeWeight(w, gain, plan.wsForm ?? "official") : (tf.mul(w, gain) as tf.Tensor4D);
}

export function applyConv(plan: ConvPlan, params: ParamStore, x: tf.Tensor4D): tf.Tensor4D {
  const { y, bias } = applyConvUnbiased(plan, params, x);
  return bias ? addBias(y, bias) : y;
}

/** The conv without its bias, and the bias (null when it has none): for callers that fold the add into the next op. */
export function applyConvUnbiased(
  plan: ConvPlan,
  params: ParamStore,
  x: tf.Tensor4D,
): { y: tf.Tensor4D; bias: tf.Tensor1D | null } {
  const y = groupedConv2d(x, effectiveWeight(plan, params), plan.stride, "same", plan.groups);
  return { y, bias: plan.bias ? params.get<tf.Rank.R1>(plan.bias) : null };
}
