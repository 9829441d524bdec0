// Adaptive Gradient Clipping (Brock et al. 2021, eq. 3), on any tfjs parameters. Roles come in as data (names from
// PARAM_ROLES in roles.ts, which the models re-export): AGC knows nothing about models.
//
//   G_i ← λ · max(‖W_i‖, ε) / max(‖G_i‖, 1e-6) · G_i    if ‖G_i‖ / max(‖W_i‖, ε) > λ,   else G_i
//
// A unit is the last axis in tfjs layouts (HWIO convs, [in, out] dense): one output channel / neuron. The two bugs
// of the seed document's PyTorch snippet are avoided: the gradients *above* the threshold are the ones rescaled, and
// the unit-wise norm reduces every axis but the last. Norms are computed as m·‖x/m‖ with m = max|x| (no float32
// overflow or underflow), and a clipped unit is set to λ·max(‖W_i‖, ε)·G_i/‖G_i‖ exactly: the same as the official
// form whenever ‖G_i‖ ≥ 1e-6, which a clipped unit always has unless λ·ε < 1e-6.
//
// clipGradients, on a model's list of gradients, is four steps: check the inputs (inputs.ts), pick the targets
// that are clipped (none when clipping is off; the excluded roles never), then either rescale them by their global
// norm, or group them by shape, clip each group stacked, and count the clipped units per role.
import { tf } from "../engine/tf.js";
import {
  type AgcClipOptions,
  type AgcGranularity,
  type AgcOptions,
  AgcOptionsError,
  type ClipTarget,
  checkAgcOptions,
  checkClipTargets,
  checkPair,
  clippingOff,
  DEFAULT_EPS,
} from "./inputs.js";

// The inputs are part of this entry point (agc.js): the library, the config schema and the sweep import them here.
export {
  AGC_CLIP_GRANULARITIES,
  AGC_GRANULARITIES,
  type AgcClipGranularity,
  type AgcClipOptions,
  type AgcGranularity,
  type AgcOptions,
  AgcOptionsError,
  type ClipTarget,
  checkAgcOptions,
  clippingOff,
  DEFAULT_EPS,
} from "./inputs.js";

/** Smallest scale norms divide by: a normal float32 (its reciprocal is finite), far below any meaningful max|x|. */
const SCALE_FLOOR = 1e-30;

/**
 * Frobenius norm of x over `axes` (kept as size-1 dims), computed without overflow or underflow: with
 * m = max|x| over the same axes, ‖x‖ = m·‖x/m‖, where x/m lies in [−1, 1] so its squares neither overflow (float32
 * max ≈ 3.4e38: Σx² overflows once |x| ≳ 1.8e19) nor vanish (|x| ≲ 1e-19). Returns the norm, x/m and ‖x/m‖
 * (0 only for a slice of zeros, whose x/m is 0). No `axes` (a scalar slot): ‖x‖ = |x|.
 * Call inside tf.tidy.
 */
function scaledNorm(x: tf.Tensor, axes: number[]): { norm: tf.Tensor; unit: tf.Tensor; unitNorm: tf.Tensor } {
  if (axes.length === 0) {
    const norm = x.abs();
    return { norm, unit: x.sign(), unitNorm: norm.sign() };
  }
  // Floored at a normal float32 so that an all-zero slice divides to 0 (and denormals need no special care).
  const m = x.abs().max(axes, true).maximum(SCALE_FLOOR);
  const unit = x.div(m);
  const unitNorm = unit.square().sum(axes, true).sqrt();
  return { norm: m.mul(unitNorm), unit, unitNorm };
}

/**
 * Unit-wise Frobenius norm in tfjs layouts, broadcastable against `x`: conv HWIO [kh,kw,in,out] → [1,1,1,out]
 * (reduces axes 0,1,2), dense [in,out] → [1,out] (axis 0), and a vector or scalar (bias, gain, skip gain) is one
 * unit → a scalar. Computed without overflow or underflow (scaled by the unit's max |x| before squaring), so
 * 1e20·ones(100) has norm 1e21 and 1e-30·ones(100) has norm 1e-29. In x's units; a new float32 tensor the caller
 * owns.
 * @throws AgcOptionsError (option `x`) when `x` is not a tensor.
 */
export function unitwiseNorm(x: tf.Tensor): tf.Tensor {
  if (!(x instanceof tf.Tensor)) throw new AgcOptionsError("x", "unitwiseNorm: x must be a tensor");
  return tf.tidy(() => {
    const axes = Array.from({ length: x.rank <= 1 ? x.rank : x.rank - 1 }, (_, i) => i);
    const { norm } = scaledNorm(x, axes);
    return x.rank <= 1 ? norm.reshape([]) : norm;
  });
}

/**
 * Global Frobenius norm of a list of tensors of any shapes, sqrt(Σ_t Σ x²), as a float32 scalar in their units
 * (a new tensor the caller owns): computed as m·sqrt(Σ (x/m)²) with m = max|x| over all of them, so it neither
 * overflows nor underflows in float32 (0 for an empty list or all zeros; +Inf only when the norm itself exceeds
 * float32's range). One scaled copy of one tensor is alive at a time.
 * @throws AgcOptionsError (option `ts`) when `ts` is not a list of tensors.
 */
export function globalNorm(ts: readonly tf.Tensor[]): tf.Scalar {
  if (!Array.isArray(ts) || !ts.every((t) => t instanceof tf.Tensor)) {
    throw new AgcOptionsError("ts", "globalNorm: ts must be a list of tensors");
  }
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
 * Eq. 3 on a slot tensor: norms reduce `axes` of both G and W. Returns the clipped gradient and the trigger (same
 * shape as the norms). A clipped unit is λ·max(‖W_i‖, ε) · G_i/‖G_i‖ exactly — its direction kept and its norm the
 * threshold — computed from G/max|G| so that neither huge nor tiny gradients over- or underflow. (The official code
 * divides by max(‖G_i‖, 1e-6); the two agree whenever ‖G_i‖ ≥ 1e-6, which a clipped unit has unless λ·ε < 1e-6.)
 */
function clipSlots(G: tf.Tensor, W: tf.Tensor, axes: number[], lambda: number, eps: number) {
  const maxNorm = scaledNorm(W, axes).norm.maximum(eps).mul(lambda);
  const g = scaledNorm(G, axes);
  const trigger = g.norm.greater(maxNorm);
  // A triggered slot has unitNorm = ‖G‖/m > 0; the floor only keeps all-zero (never triggered) slots finite.
  const clipped = tf.where(trigger, g.unit.mul(maxNorm.div(g.unitNorm.maximum(SCALE_FLOOR))), G);
  return { clipped, trigger };
}

/** The clipped gradient and a 0/1 mask of which units were clipped (same shape as the norms). */
function clipWithMask(
  grad: tf.Tensor,
  param: tf.Tensor,
  opts: AgcClipOptions,
): { clipped: tf.Tensor; mask: tf.Tensor } {
  checkAgcOptions("agcClip", opts, false);
  checkPair("agcClip", grad, param, "grad");
  const perUnit = opts.granularity === "unit" && grad.rank >= 2;
  const axes = Array.from({ length: perUnit ? grad.rank - 1 : grad.rank }, (_, i) => i);
  return tf.tidy(() => {
    const { clipped, trigger } = clipSlots(grad, param, axes, opts.lambda, opts.eps ?? DEFAULT_EPS);
    return { clipped, mask: trigger.cast("float32") };
  });
}

/**
 * AGC for one parameter (paper eq. 3): returns the clipped gradient, a new float32 tensor of grad's shape that the
 * caller owns. `grad` and `param` have the same shape in tfjs layouts (conv HWIO [kh,kw,in,out], dense [in,out],
 * vector or scalar). `unit` clips per output unit (the last axis of a rank ≥ 2 tensor; a vector or scalar is one
 * unit), `layer` the whole tensor: a unit with ‖G_i‖ > λ·max(‖W_i‖, ε) becomes λ·max(‖W_i‖, ε)·G_i/‖G_i‖.
 * `global` and `none` (and λ null) are clipGradients/withAgc's: the type refuses them, as does the runtime check.
 * @throws AgcOptionsError when λ is not a finite number > 0, ε is not a finite number > 0, the granularity is not
 * `unit` or `layer`, grad or param is not a tensor, or their shapes differ.
 */
export function agcClip(grad: tf.Tensor, param: tf.Tensor, opts: AgcClipOptions): tf.Tensor {
  const { clipped, mask } = clipWithMask(grad, param, opts);
  mask.dispose();
  return clipped;
}

export interface ClipResult {
  /** grads[i] is the (maybe clipped) gradient of targets[i], its shape. */
  grads: tf.Tensor[];
  /**
   * Per role (in first-seen order; `""` for targets without a role): [clipped units, total units] as a float32
   * tensor of shape [roles, 2] (read once, after the step); for `global`, one row `all` whose clipped count is 1
   * when the global norm was clipped. null when nothing was clipped by AGC (`none`, λ null, all excluded).
   */
  clippedByRole: { roles: string[]; counts: tf.Tensor2D } | null;
}

/**
 * Clips a list of gradients (grads[i] belongs to targets[i]; shapes must match, tfjs layouts as in agcClip).
 * `unit` and `layer` apply AGC (eq. 3) per parameter; `global` rescales all gradients so that their global norm is
 * at most λ (classic clipping; λ in the gradients' units); `none` (or λ null) returns them unchanged. Parameters
 * whose role is in `exclude` are never clipped (and not counted in the global norm). Norms are computed without
 * overflow (see unitwiseNorm). Returned gradients are new tensors or the inputs themselves (when untouched); the
 * caller owns both, and the counts.
 * @throws AgcOptionsError when an option breaks the config schema's rules (λ a finite number > 0 or null, ε a
 * finite number > 0, a known granularity, exclude a list of PARAM_ROLES names), a target's role is not one of
 * PARAM_ROLES (option `targets`), or a gradient and its target disagree (count, tensor, shape).
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
  if (opts.granularity === "global") return clipGlobalNorm(grads, clipped, opts.lambda);
  return clipByShape(grads, targets, clipped, opts.granularity, opts.lambda, opts.eps ?? DEFAULT_EPS);
}

/**
 * Classic clipping: the gradients grads[i], i in `clipped`, are rescaled together so that their global norm is at
 * most λ; the others are returned as they are. Counts: one row `all`, [1 if clipped, 1].
 */
function clipGlobalNorm(grads: readonly tf.Tensor[], clipped: number[], lambda: number): ClipResult {
  return tf.tidy(() => {
    if (clipped.length === 0) {
      return { grads: [...grads], clippedByRole: { roles: ["all"], counts: tf.tensor2d([[0, 1]]) } };
    }
    const { scale, unitNorm } = scaledGlobalNorm(clipped.map((i) => grads[i] as tf.Tensor));
    const trigger = scale.mul(unitNorm).greater(lambda);
    // Clipped: λ·g/‖g‖ = (g/scale)·(λ/unitNorm), with unitNorm > 0 whenever clipped.
    const factor = tf.scalar(lambda).div(unitNorm.maximum(SCALE_FLOOR));
    const rescaled = new Set(clipped);
    const out = grads.map((g, i) =>
      rescaled.has(i) ? tf.tidy(() => tf.where(trigger, g.div(scale).mul(factor), g)) : g,
    );
    const counts = tf.stack([trigger.cast("float32"), tf.scalar(1)]).reshape([1, 2]) as tf.Tensor2D;
    return { grads: out, clippedByRole: { roles: ["all"], counts } };
  });
}

/**
 * AGC (`unit` or `layer`) on grads[i], i in `clipped`. Parameters of one shape are clipped together (stacked): a
 * few kernel launches per shape instead of per parameter, since per-op overhead dominates AGC on GPUs and on wasm.
 * Roles are counted in the order the groups visit them.
 */
function clipByShape(
  grads: readonly tf.Tensor[],
  targets: readonly ClipTarget[],
  clipped: number[],
  granularity: AgcGranularity,
  lambda: number,
  eps: number,
): ClipResult {
  const groups = groupByShape(grads, clipped);
  const order = groups.flat();
  if (order.length === 0) return { grads: [...grads], clippedByRole: null };
  // A unit is the last axis of a rank ≥ 2 parameter, else the whole parameter.
  const perUnit = (rank: number) => granularity === "unit" && rank >= 2;
  const unitsOf = (i: number) => {
    const shape = (grads[i] as tf.Tensor).shape;
    return perUnit(shape.length) ? (shape[shape.length - 1] as number) : 1;
  };
  const table = roleTable(
    order.map((i) => (targets[i] as ClipTarget).role ?? ""),
    order.map(unitsOf),
  );
  const out: tf.Tensor[] = [...grads];
  // The clipped gradients leave the tidy by being returned (not kept), so that a caller's tidy still owns them.
  const kept = tf.tidy(() => {
    const clippedPerParam = groups.map((members) => {
      const G = members.map((i) => grads[i] as tf.Tensor);
      const W = members.map((i) => (targets[i] as ClipTarget).value);
      const [flags, ...clippedGrads] = clipGroup(G, W, perUnit((G[0] as tf.Tensor).rank), lambda, eps);
      members.forEach((i, j) => {
        out[i] = clippedGrads[j] as tf.Tensor;
      });
      return flags;
    });
    return [...order.map((i) => out[i] as tf.Tensor), countByRole(tf.concat(clippedPerParam), table)];
  });
  return { grads: out, clippedByRole: { roles: table.roles, counts: kept[kept.length - 1] as tf.Tensor2D } };
}

/** The indices of `clipped`, grouped by their gradient's shape (groups in first-seen order). */
function groupByShape(grads: readonly tf.Tensor[], clipped: number[]): number[][] {
  const groups = new Map<string, number[]>();
  for (const i of clipped) {
    const key = (grads[i] as tf.Tensor).shape.join("x");
    const members = groups.get(key);
    if (members) members.push(i);
    else groups.set(key, [i]);
  }
  return [...groups.values()];
}

/**
 * Clips one group of same-shape gradients, stacked. Returns the clipped units per member, then the clipped
 * gradients. A tidy per group: only those outlive it, so AGC's temporaries (the stacks, squares, products) cost a
 * few copies of one group, not of the whole model.
 */
function clipGroup(
  grads: tf.Tensor[],
  values: tf.Tensor[],
  perUnit: boolean,
  lambda: number,
  eps: number,
): [tf.Tensor, ...tf.Tensor[]] {
  return tf.tidy(() => {
    const G = tf.stack(grads);
    const W = tf.stack(values);
    const rank = (grads[0] as tf.Tensor).rank;
    // Stacked axis 0 is the member; norms reduce the axes after it, all but the unit axis when per unit.
    const axes = Array.from({ length: perUnit ? rank - 1 : rank }, (_, a) => a + 1);
    const { clipped, trigger } = clipSlots(G, W, axes, lambda, eps);
    return [trigger.cast("float32").reshape([grads.length, -1]).sum(1), ...tf.unstack(clipped)];
  }) as [tf.Tensor, ...tf.Tensor[]];
}

/** Roles in first-seen order, the role of each clipped parameter (an index into them), and the units per role. */
interface RoleTable {
  roles: string[];
  roleOf: number[];
  unitsPerRole: number[];
}

function roleTable(paramRoles: string[], paramUnits: number[]): RoleTable {
  const table: RoleTable = { roles: [], roleOf: [], unitsPerRole: [] };
  paramRoles.forEach((role, p) => {
    let r = table.roles.indexOf(role);
    if (r < 0) {
      r = table.roles.length;
      table.roles.push(role);
      table.unitsPerRole.push(0);
    }
    table.roleOf.push(r);
    table.unitsPerRole[r] += paramUnits[p] as number;
  });
  return table;
}

/**
 * [clipped units, total units] per role, shape [roles, 2]: clipped units per role = (clipped units per parameter) ·
 * (parameter → role one-hot), so the counts stay on the device until the step's one read.
 */
function countByRole(clippedPerParam: tf.Tensor, table: RoleTable): tf.Tensor2D {
  const params = table.roleOf.length;
  const roles = table.roles.length;
  const oneHot = new Float32Array(params * roles);
  table.roleOf.forEach((r, p) => {
    oneHot[p * roles + r] = 1;
  });
  const perRole = clippedPerParam
    .reshape([1, params])
    .matMul(tf.tensor2d(oneHot, [params, roles]))
    .reshape([roles]);
  return tf.stack([perRole, tf.tensor1d(table.unitsPerRole)], 1) as tf.Tensor2D;
}
