// AGC's numerics: the norms (unit-wise, global) computed without float32 overflow or underflow, the non-finite
// test, and eq. 3 on a tensor whose norms reduce given axes (clipSlots), on which agcClip and clipGradients build.
//
// Norms are m·‖x/m‖ with m = max|x| over the same axes: x/m lies in [−1, 1], so its squares neither overflow
// (float32 max ≈ 3.4e38: Σx² overflows once |x| ≳ 1.8e19) nor vanish (|x| ≲ 1e-19).
import { fusedAgcAvailable, fusedGlobalNorm } from "../engine/ops/fusedAgc.js";
import { tf } from "../engine/tf.js";
import { AgcOptionsError, type AgcUnitAxes } from "./inputs.js";
import { reducedAxes, resolveUnitAxes } from "./units.js";

/** Smallest scale norms divide by: a normal float32 (its reciprocal is finite), far below any meaningful max|x|. */
export const SCALE_FLOOR = 1e-30;

/**
 * Frobenius norm of x over `axes` (kept as size-1 dims), computed without overflow or underflow. Returns the norm,
 * the scale m, x/m and ‖x/m‖ (0 only for a slice of zeros, whose x/m is 0). No `axes`: ‖x‖ = |x| elementwise.
 * Call inside tf.tidy.
 */
function scaledNorm(
  x: tf.Tensor,
  axes: number[],
): { norm: tf.Tensor; scale: tf.Tensor; unit: tf.Tensor; unitNorm: tf.Tensor } {
  if (axes.length === 0) {
    const norm = x.abs();
    return { norm, scale: norm, unit: x.sign(), unitNorm: norm.sign() };
  }
  // Floored at a normal float32 so that an all-zero slice divides to 0 (and denormals need no special care).
  const m = x.abs().max(axes, true).maximum(SCALE_FLOOR);
  const unit = x.div(m);
  const unitNorm = unit.square().sum(axes, true).sqrt();
  return { norm: m.mul(unitNorm), scale: m, unit, unitNorm };
}

/**
 * Which slices of x over `axes` (kept as size-1 dims) hold a NaN or ±Inf, as a bool tensor: 0·x is NaN exactly
 * there, and a sum with a NaN term is NaN. Call inside tf.tidy.
 */
export function nonFiniteSlots(x: tf.Tensor, axes: number[]): tf.Tensor {
  const zeros = x.mul(0);
  return (axes.length === 0 ? zeros : zeros.sum(axes, true)).isNaN();
}

/**
 * Which slots of a scaledNorm over `axes` hold a NaN or ±Inf, from the norm alone (no pass over x): a NaN in a slot
 * makes x/m NaN there, and an Inf makes m = Inf and Inf/m NaN, so the norm m·‖x/m‖ is NaN exactly for those slots
 * (a finite slot's norm is finite, or +Inf past float32's range, which is not NaN). Without axes the norm is |x|,
 * not finite exactly where x is not. Call inside tf.tidy.
 */
function nonFiniteNorm(norm: tf.Tensor, axes: number[]): tf.Tensor {
  return axes.length === 0 ? tf.isFinite(norm).logicalNot() : norm.isNaN();
}

/**
 * Unit-wise Frobenius norm, one per unit: `unitAxes` index the units and the norm reduces the other axes; absent,
 * the official rule for tfjs layouts (optim.py `unitwise_norm`; units.ts): conv HWIO [kh,kw,in,out] → [1,1,1,out],
 * dense [in,out] → [1,out], rank 3 → [1,b,c], and a tensor that squeezes to ≤ 1 dimension (scalar, vector, [1,C],
 * [1,1,1,C]) is one unit → a scalar. Explicit `[]` gives a scalar too; otherwise the reduced axes are kept as size
 * 1, so the result broadcasts against x. Computed without overflow or underflow, so 1e20·ones(100) has norm 1e21
 * and 1e-30·ones(100) has norm 1e-29. In x's units; a new float32 tensor the caller owns.
 * @throws AgcOptionsError (option `x`) when `x` is not a tensor; (option `unitAxes`) when unitAxes is not a list
 * of distinct axes of x, or is absent for a rank ≥ 5 tensor.
 */
export function unitwiseNorm(x: tf.Tensor, unitAxes?: AgcUnitAxes): tf.Tensor {
  if (!(x instanceof tf.Tensor)) throw new AgcOptionsError("x", "unitwiseNorm: x must be a tensor");
  const units = resolveUnitAxes("unitwiseNorm", "x", x.shape, unitAxes);
  return tf.tidy(() => {
    const { norm } = scaledNorm(x, reducedAxes(x.rank, units));
    return units.length === 0 ? norm.reshape([]) : norm;
  });
}

/**
 * Global Frobenius norm of a list of tensors of any shapes, sqrt(Σ_t Σ x²), as a float32 scalar in their units
 * (a new tensor the caller owns): computed as m·sqrt(Σ (x/m)²) with m = max|x| over all of them, so it neither
 * overflows nor underflows in float32 (0 for an empty list or all zeros; +Inf only when the norm itself exceeds
 * float32's range; NaN when some x is NaN or ±Inf). One scaled copy of one tensor is alive at a time; on wasm, one
 * fused kernel call (engine/ops/fusedAgc.ts) and no copy.
 * @throws AgcOptionsError (option `ts`) when `ts` is not a list of tensors.
 */
export function globalNorm(ts: readonly tf.Tensor[]): tf.Scalar {
  if (!Array.isArray(ts) || !ts.every((t) => t instanceof tf.Tensor)) {
    throw new AgcOptionsError("ts", "globalNorm: ts must be a list of tensors");
  }
  if (ts.length > 0 && fusedAgcAvailable(ts)) return fusedGlobalNorm(ts, SCALE_FLOOR);
  return tf.tidy(() => {
    if (ts.length === 0) return tf.scalar(0);
    const { scale, unitNorm } = scaledGlobalNorm(ts);
    return scale.mul(unitNorm) as tf.Scalar;
  });
}

/**
 * The global norm of a non-empty list in two factors, ‖ts‖ = scale·unitNorm: scale = max|x| over all of them
 * (floored, as in scaledNorm) and unitNorm = sqrt(Σ_t Σ (x/scale)²). globalNorm multiplies them; global clipping
 * also divides by unitNorm, which is > 0 whenever some x is not 0. Each x/scale lives only inside its own tidy.
 * Call inside tf.tidy.
 */
export function scaledGlobalNorm(ts: readonly tf.Tensor[]): { scale: tf.Scalar; unitNorm: tf.Scalar } {
  const scale = tf
    .stack(ts.map((t) => tf.tidy(() => t.abs().max())))
    .max()
    .maximum(SCALE_FLOOR) as tf.Scalar;
  const unitNorm = tf.addN(ts.map((t) => tf.tidy(() => t.div(scale).square().sum()))).sqrt() as tf.Scalar;
  return { scale, unitNorm };
}

/**
 * Eq. 3 on a slot tensor: norms reduce `axes` of both G and W, one slot per unit. A clipped unit is
 * λ·max(‖W_i‖, ε) · G_i/‖G_i‖ exactly — its direction kept and its norm the threshold — computed from G/max|G| so
 * that neither huge nor tiny gradients over- or underflow. (The official optim.py `SGD_AGC` divides by
 * max(‖G_i‖, 1e-6); the two agree whenever ‖G_i‖ ≥ 1e-6, which a clipped unit has unless λ·ε < 1e-6.)
 * A non-finite unit (NaN or ±Inf in G_i or W_i) is never clipped: `zeroNonFinite` sets its gradient to 0, else it
 * is returned as it came. Returns the clipped gradient, `trigger` (clipped units) and `nonFinite` (bool, the
 * norms' shape). Call inside tf.tidy.
 */
export function clipSlots(
  G: tf.Tensor,
  W: tf.Tensor,
  axes: number[],
  lambda: number,
  eps: number,
  zeroNonFinite: boolean,
): { clipped: tf.Tensor; trigger: tf.Tensor; nonFinite: tf.Tensor } {
  const w = scaledNorm(W, axes);
  const maxNorm = w.norm.maximum(eps).mul(lambda);
  const g = scaledNorm(G, axes);
  const nonFinite = tf.logicalOr(nonFiniteNorm(g.norm, axes), nonFiniteNorm(w.norm, axes));
  // NaN compares false, but an Inf in W with a finite G would compare true-or-false by chance: say it outright.
  const trigger = g.norm.greater(maxNorm).logicalAnd(nonFinite.logicalNot());
  // Per slot, on the small norm tensors: a triggered slot becomes (G/m)·(maxNorm/unitNorm), the others G/1·1 = G
  // exactly, so G is touched by two broadcast products rather than a where over a trigger tiled to G's shape.
  // A triggered slot has unitNorm = ‖G‖/m > 0; the floor only keeps all-zero (never triggered) slots finite.
  const divisor = tf.where(trigger, g.scale, tf.onesLike(g.scale));
  const factor = tf.where(trigger, maxNorm.div(g.unitNorm.maximum(SCALE_FLOOR)), tf.onesLike(g.unitNorm));
  const scaled = axes.length === 0 ? tf.where(trigger, g.unit.mul(factor), G) : G.div(divisor).mul(factor);
  const clipped = zeroNonFinite ? tf.where(nonFinite, tf.zerosLike(G), scaled) : scaled;
  return { clipped, trigger, nonFinite };
}
