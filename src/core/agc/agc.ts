// Adaptive Gradient Clipping (Brock et al. 2021, eq. 3), on any tfjs parameters. Roles come in as data (names from
// PARAM_ROLES in roles.ts, which the models re-export): AGC knows nothing about models.
//
//   G_i ← λ · max(‖W_i‖, ε) / max(‖G_i‖, 1e-6) · G_i    if ‖G_i‖ / max(‖W_i‖, ε) > λ,   else G_i
//
// A unit is what its parameter's unit axes index (units.ts): given per parameter, or the official rule
// (deepmind-research nfnets/optim.py `unitwise_norm`, tfjs layouts): the output channel of an HWIO conv and the
// output neuron of an [in, out] dense kernel, and one unit for anything that squeezes to a vector or scalar. The two
// bugs of the seed document's PyTorch snippet are avoided: the gradients *above* the threshold are the ones
// rescaled, and the norm reduces the axes that are not the unit's. Numerics (norms without over- or underflow, the
// exact clipped norm) are norms.ts's; a unit holding NaN or ±Inf is never scaled silently (`nonFinite`).
//
// clipGradients, on a model's list of gradients, is four steps: check the inputs (inputs.ts, units.ts), pick the
// targets that are clipped (none when clipping is off; the excluded roles never), then either rescale them by their
// global norm, or clip them unit-wise — all in one fused kernel call on wasm, else grouped by shape and unit axes,
// each group stacked — and count the clipped and the non-finite units per role (clipList.ts).
import { tf } from "../engine/tf.js";
import { type ClipResult, clipByShape, clipGlobalNorm, nonFiniteMessage } from "./clipList.js";
import {
  type AgcClipOptions,
  AgcNonFiniteError,
  type AgcOptions,
  type ClipTarget,
  checkAgcOptions,
  checkClipTargets,
  checkPair,
  clippingOff,
  DEFAULT_EPS,
} from "./inputs.js";
import { clipSlots } from "./norms.js";
import { reducedAxes, resolveUnitAxes, unitCount } from "./units.js";

// The inputs are part of this entry point (agc.js): the library, the config schema and the sweep import them here.
export type { ClipResult } from "./clipList.js";
export {
  AGC_CLIP_GRANULARITIES,
  AGC_GRANULARITIES,
  AGC_NON_FINITE,
  type AgcClipGranularity,
  type AgcClipOptions,
  type AgcGranularity,
  type AgcNonFinite,
  AgcNonFiniteError,
  type AgcOptions,
  AgcOptionsError,
  type AgcUnitAxes,
  type ClipTarget,
  checkAgcOptions,
  clippingOff,
  DEFAULT_EPS,
} from "./inputs.js";
export { globalNorm, scaledGlobalNorm, unitwiseNorm } from "./norms.js";
export { officialUnitAxes } from "./units.js";

/**
 * AGC for one parameter (paper eq. 3): returns the clipped gradient, a new float32 tensor of grad's shape that the
 * caller owns. `grad` and `param` have the same shape. `unit` clips per unit: `unitAxes` index the units (e.g. [2, 3]
 * for a tfjs depthwise kernel [kh,kw,in,mult], [2] for a conv2dTranspose kernel [kh,kw,out,in]); absent, the
 * official rule for tfjs layouts (HWIO conv [kh,kw,in,out] → per out; dense [in,out] → per out; rank 3 → per
 * [·,b,c]; anything that squeezes to ≤ 1 dimension, e.g. [1,C] or [1,1,1,C], → one unit). `layer` clips the whole
 * tensor as one unit. A unit with ‖G_i‖ > λ·max(‖W_i‖, ε) becomes λ·max(‖W_i‖, ε)·G_i/‖G_i‖.
 * A unit whose gradient or parameter holds NaN or ±Inf: `nonFinite` `error` (default) throws, `zero` returns 0
 * there, `keep` returns it as it came (see AgcNonFinite). `global` and `none` (and λ null) are
 * clipGradients/withAgc's: the type refuses them, as does the runtime check.
 * @throws AgcOptionsError when λ is not a finite number > 0, ε is not a finite number > 0, the granularity is not
 * `unit` or `layer`, nonFinite is not one of AGC_NON_FINITE, grad or param is not a tensor, their shapes differ, or
 * unitAxes is not a list of distinct axes of grad (or is absent for a rank ≥ 5 tensor, which has no official rule).
 * @throws AgcNonFiniteError with `nonFinite: "error"` when some unit is not finite (reads the device once).
 */
export function agcClip(grad: tf.Tensor, param: tf.Tensor, opts: AgcClipOptions): tf.Tensor {
  checkAgcOptions("agcClip", opts, false);
  checkPair("agcClip", grad, param, "grad");
  const unitAxes = opts.granularity === "unit" ? resolveUnitAxes("agcClip", "grad", grad.shape, opts.unitAxes) : [];
  const mode = opts.nonFinite ?? "error";
  return tf.tidy(() => {
    const axes = reducedAxes(grad.rank, unitAxes);
    const eps = opts.eps ?? DEFAULT_EPS;
    const { clipped, nonFinite } = clipSlots(grad, param, axes, opts.lambda, eps, mode === "zero");
    if (mode === "error") {
      const bad = nonFinite.cast("float32").sum().dataSync()[0] as number;
      if (bad > 0) {
        const total = unitCount(grad.shape, unitAxes);
        throw new AgcNonFiniteError(
          bad,
          total,
          0,
          undefined,
          nonFiniteMessage("agcClip", "grad", grad.shape, bad, total),
        );
      }
    }
    return clipped;
  });
}

/**
 * Clips a list of gradients (grads[i] belongs to targets[i]; shapes must match; each target's `unitAxes` as in
 * agcClip, default the official rule). `unit` and `layer` apply AGC (eq. 3) per parameter; `global` rescales all
 * gradients so that their global norm is at most λ (classic clipping; λ in the gradients' units); `none` (or λ
 * null) returns them unchanged, unchecked. Parameters whose role is in `exclude` are never clipped (nor checked, nor
 * counted in the global norm). Non-finite units (`nonFinite`, default `error`): `unit`/`layer` as in agcClip;
 * `global` judges each parameter's gradient — `error` throws, `zero` zeroes it, `keep` passes it on, and the global
 * norm and its rescaling are then of the finite gradients alone. Returned gradients are new tensors or the inputs
 * themselves (when untouched); the caller owns both, and the counts.
 * @throws AgcOptionsError when an option breaks the config schema's rules (λ a finite number > 0 or null, ε a
 * finite number > 0, a known granularity and nonFinite, exclude a list of PARAM_ROLES names), a target's role is
 * not one of PARAM_ROLES (option `targets`), a gradient and its target disagree (count, tensor, shape), or a
 * target's unitAxes are not distinct axes of it (or absent for rank ≥ 5; option `unitAxes`).
 * @throws AgcNonFiniteError with `nonFinite: "error"` when some clipped unit is not finite, naming the first
 * gradient (index, role, shape) and the count (reads the device once per call).
 */
export function clipGradients(
  grads: readonly tf.Tensor[],
  targets: readonly ClipTarget[],
  opts: AgcOptions,
): ClipResult {
  checkAgcOptions("clipGradients", opts, true);
  checkClipTargets(grads, targets);
  if (clippingOff(opts) || opts.lambda === null) return { grads: [...grads], clippedByRole: null };
  const exclude = new Set<string>(opts.exclude ?? []);
  const clipped = targets.flatMap((t, i) => (exclude.has(t.role ?? "") ? [] : [i]));
  const mode = opts.nonFinite ?? "error";
  if (opts.granularity === "global") return clipGlobalNorm(grads, targets, clipped, opts.lambda, mode);
  const unitAxes = grads.map((g, i) =>
    opts.granularity === "unit" && clipped.includes(i)
      ? resolveUnitAxes("clipGradients", `gradient ${i}`, g.shape, (targets[i] as ClipTarget).unitAxes)
      : [],
  );
  return clipByShape(grads, targets, clipped, unitAxes, {
    lambda: opts.lambda,
    eps: opts.eps ?? DEFAULT_EPS,
    mode,
  });
}
