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
import { tf } from "../engine/tf.js";
import { isParamRole, type ParamRole, unknownRoleReason } from "./roles.js";

/**
 * The clip granularities of clipGradients and withAgc: the config schema's `agc.granularity` takes these
 * (config/schema.ts). `unit` and `layer` are AGC (eq. 3) per output unit / per parameter tensor; `global` is classic
 * clipping of the global gradient norm to λ; `none` leaves gradients unchanged.
 */
export const AGC_GRANULARITIES = ["unit", "layer", "global", "none"] as const;
export type AgcGranularity = (typeof AGC_GRANULARITIES)[number];

/** The granularities agcClip takes: AGC on one parameter (`global` and `none` are clipGradients/withAgc's). */
export const AGC_CLIP_GRANULARITIES = ["unit", "layer"] as const;
export type AgcClipGranularity = (typeof AGC_CLIP_GRANULARITIES)[number];

/** Options of agcClip (AGC on one parameter). */
export interface AgcClipOptions {
  /** Threshold λ on ‖G_i‖ / max(‖W_i‖, ε), a ratio (unitless): a finite number > 0. Paper: 0.01–0.16. */
  lambda: number;
  /** Floor ε on the parameter norm (finite, > 0), so zero-initialised parameters still get updates. Paper: 1e-3. */
  eps?: number;
  /** `unit`: per output unit (the last axis of a rank ≥ 2 tensor); `layer`: the whole tensor. */
  granularity: AgcClipGranularity;
}

/** Options of clipGradients and withAgc (a list of parameters, as the config's `agc.*` keys). */
export interface AgcOptions {
  /**
   * For `unit` / `layer`: the threshold λ on ‖G_i‖ / max(‖W_i‖, ε), a unitless ratio. For `global`: the maximum
   * global gradient norm (classic clipping), in the gradients' units. A finite number > 0, or `null` for no
   * clipping (as `agc.lambda: null` in a config); ignored by `none`.
   */
  lambda: number | null;
  /** Floor ε on the parameter norm (finite, > 0; `unit` and `layer` only). Paper: 1e-3. */
  eps?: number;
  /** `unit` / `layer`: AGC per output unit / per parameter; `global`: the global norm; `none`: no clipping. */
  granularity: AgcGranularity;
  /**
   * Roles left unclipped (and out of the global norm), each one of PARAM_ROLES (agc/roles.ts); the paper's official
   * code excludes `classifier_weight`. Default: none.
   */
  exclude?: readonly ParamRole[];
}

/**
 * ε when none is given: the paper's 1e-3 (a floor on ‖W_i‖, in the parameters' units; official agc_optax.py). The one
 * home of this default: the config schema's `agc.eps` default is this constant.
 */
export const DEFAULT_EPS = 1e-3;

/**
 * Whether AGC settings turn clipping off: granularity `none`, or no threshold (λ null or absent). The one rule for
 * "no clipping": a config's two spellings of it (config/resolve.ts writes both), the identity's inert keys, the
 * sweep's explanations, the figures' unclipped arms and clipGradients all ask this.
 */
export function clippingOff(agc: { granularity: string; lambda: number | null | undefined }): boolean {
  return agc.granularity === "none" || agc.lambda === null || agc.lambda === undefined;
}
/** Smallest scale norms divide by: a normal float32 (its reciprocal is finite), far below any meaningful max|x|. */
const SCALE_FLOOR = 1e-30;

/**
 * An AGC input the library cannot use; `option` names it (`options`, `lambda`, `eps`, `granularity`, `exclude`,
 * `roles`, `targets`, `optimizer`, `grad`, `gradient i`, `x`, `ts`) and the message says why in one line, starting
 * with the entry point (`agcClip: …`).
 */
export class AgcOptionsError extends Error {
  constructor(
    readonly option: string,
    reason: string,
  ) {
    super(reason);
    this.name = "AgcOptionsError";
  }
}

function describe(v: unknown): string {
  return typeof v === "number" ? String(v) : (JSON.stringify(v) ?? String(v));
}

/**
 * Checks AGC options by the config schema's rules (`agc.*` keys). With `allowOff` (clipGradients, withAgc, the
 * AgcOptions rules): granularity one of unit, layer, global, none; λ a finite number > 0 or null (no clipping).
 * Without (agcClip, the AgcClipOptions rules): granularity unit or layer; λ a finite number > 0. Both: ε (when
 * given) a finite number > 0; exclude (when given) a list of PARAM_ROLES names. `who` prefixes the message (the
 * entry point's name). Options come from untyped callers too, so every value is checked, not only its type.
 * @throws AgcOptionsError naming the first option at fault (`options`, `granularity`, `lambda`, `eps`, `exclude`),
 * e.g. `withAgc: exclude: unknown role "classifer_weight" (did you mean classifier_weight?); roles: …`.
 */
export function checkAgcOptions(
  who: string,
  options: Readonly<Partial<AgcOptions>> | Readonly<Partial<AgcClipOptions>>,
  allowOff: boolean,
): void {
  const fail = (option: string, rule: string, value: unknown): never => {
    throw new AgcOptionsError(option, `${who}: ${option} ${rule} (got ${describe(value)})`);
  };
  if (typeof options !== "object" || options === null) fail("options", "must be an object", options);
  const opts = options as { granularity?: unknown; lambda?: unknown; eps?: unknown; exclude?: unknown };
  const granularities: readonly string[] = allowOff ? AGC_GRANULARITIES : AGC_CLIP_GRANULARITIES;
  if (!granularities.includes(opts.granularity as string)) {
    const hint = allowOff ? "" : " (global and none are clipGradients/withAgc's)";
    fail("granularity", `must be one of ${granularities.join(", ")}${hint}`, opts.granularity);
  }
  const off = opts.granularity === "none" || (allowOff && opts.lambda === null);
  if (!off && !(typeof opts.lambda === "number" && Number.isFinite(opts.lambda) && opts.lambda > 0)) {
    fail(
      "lambda",
      allowOff ? "must be a finite number > 0, or null for no clipping" : "must be a finite number > 0",
      opts.lambda,
    );
  }
  if (opts.granularity === "none" && opts.lambda !== null && opts.lambda !== undefined) {
    if (!(typeof opts.lambda === "number" && Number.isFinite(opts.lambda) && opts.lambda > 0)) {
      fail("lambda", "must be a finite number > 0 or null", opts.lambda);
    }
  }
  if (opts.eps !== undefined && !(typeof opts.eps === "number" && Number.isFinite(opts.eps) && opts.eps > 0)) {
    fail("eps", "must be a finite number > 0", opts.eps);
  }
  if (opts.exclude !== undefined) {
    const ex = opts.exclude;
    if (!Array.isArray(ex)) fail("exclude", "must be a list of role names", ex);
    const i = (ex as unknown[]).findIndex((r) => !isParamRole(r));
    if (i >= 0)
      throw new AgcOptionsError("exclude", `${who}: exclude[${i}]: ${unknownRoleReason((ex as unknown[])[i])}`);
  }
}

function checkPair(who: string, grad: tf.Tensor, param: tf.Tensor, what: string): void {
  if (!(grad instanceof tf.Tensor) || !(param instanceof tf.Tensor)) {
    throw new AgcOptionsError(what, `${who}: ${what} must be a gradient and a parameter tensor`);
  }
  if (grad.shape.join(",") !== param.shape.join(",")) {
    throw new AgcOptionsError(
      what,
      `${who}: ${what}: gradient shape [${grad.shape.join(",")}] differs from its parameter's [${param.shape.join(",")}]`,
    );
  }
}

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
    const m = tf
      .stack(ts.map((t) => tf.tidy(() => t.abs().max())))
      .max()
      .maximum(SCALE_FLOOR);
    const sum = tf.addN(ts.map((t) => tf.tidy(() => t.div(m).square().sum())));
    return m.mul(sum.sqrt()) as tf.Scalar;
  });
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

export interface ClipTarget {
  /** The parameter's current value (the gradient's shape, tfjs layout). */
  value: tf.Tensor;
  /**
   * Its role, one of PARAM_ROLES (e.g. `classifier_weight`), matched against `exclude`; absent for a parameter
   * with no role (always clipped; counted under the role `""`).
   */
  role?: ParamRole;
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
  if (!Array.isArray(grads) || !Array.isArray(targets)) {
    throw new AgcOptionsError("targets", "clipGradients: grads and targets must be lists");
  }
  if (grads.length !== targets.length) {
    throw new AgcOptionsError("targets", `clipGradients: ${grads.length} gradients but ${targets.length} targets`);
  }
  grads.forEach((g, i) => {
    const target = targets[i] as ClipTarget | undefined;
    checkPair("clipGradients", g, target?.value as tf.Tensor, `gradient ${i}`);
    const role = (target as ClipTarget).role;
    if (role !== undefined && !isParamRole(role)) {
      throw new AgcOptionsError("targets", `clipGradients: targets[${i}].role: ${unknownRoleReason(role)}`);
    }
  });
  const exclude = new Set<string>(opts.exclude ?? []);
  if (clippingOff(opts) || opts.lambda === null) return { grads: [...grads], clippedByRole: null };
  const lambda = opts.lambda;
  if (opts.granularity === "global") {
    return tf.tidy(() => {
      const idx = targets.map((t, i) => (exclude.has(t.role ?? "") ? -1 : i)).filter((i) => i >= 0);
      if (idx.length === 0) {
        return { grads: [...grads], clippedByRole: { roles: ["all"], counts: tf.tensor2d([[0, 1]]) } };
      }
      // Global norm without overflow: m = max|g| over all clipped gradients, ‖g‖ = m·sqrt(Σ (g/m)²).
      const m = tf
        .stack(idx.map((i) => (grads[i] as tf.Tensor).abs().max()))
        .max()
        .maximum(SCALE_FLOOR);
      const units = new Map(idx.map((i) => [i, (grads[i] as tf.Tensor).div(m)]));
      const unitNorm = tf.addN([...units.values()].map((u) => tf.tidy(() => u.square().sum()))).sqrt();
      const norm = m.mul(unitNorm);
      const trigger = norm.greater(lambda);
      // Clipped: λ·g/‖g‖ = (g/m)·(λ/‖g/m‖), with ‖g/m‖ > 0 whenever clipped.
      const factor = tf.scalar(lambda).div(unitNorm.maximum(SCALE_FLOOR));
      const out = grads.map((g, i) => {
        const u = units.get(i);
        return u ? tf.tidy(() => tf.where(trigger, u.mul(factor), g)) : g;
      });
      const counts = tf.stack([trigger.cast("float32"), tf.scalar(1)]).reshape([1, 2]) as tf.Tensor2D;
      return { grads: out, clippedByRole: { roles: ["all"], counts } };
    });
  }
  // Parameters of one shape are clipped together (stacked): a few kernel launches per shape instead of per
  // parameter, since per-op overhead dominates AGC on GPUs and on wasm.
  const granularity = opts.granularity;
  const eps = opts.eps ?? DEFAULT_EPS;
  const groups = new Map<string, number[]>();
  targets.forEach((t, i) => {
    if (exclude.has(t.role ?? "")) return;
    const key = (grads[i] as tf.Tensor).shape.join("x");
    const members = groups.get(key);
    if (members) members.push(i);
    else groups.set(key, [i]);
  });
  const out: tf.Tensor[] = [...grads];
  const order: number[] = [];
  const roles: string[] = [];
  const roleOf = new Map<string, number>();
  const unitsPerRole: number[] = [];
  const kept = tf.tidy(() => {
    const clippedPerParam: tf.Tensor[] = [];
    for (const members of groups.values()) {
      const shape = (grads[members[0] as number] as tf.Tensor).shape;
      const rank = shape.length;
      // A unit is the last axis of a rank ≥ 2 parameter, else the whole parameter.
      const perUnit = granularity === "unit" && rank >= 2;
      const unitsEach = perUnit ? (shape[rank - 1] as number) : 1;
      // A tidy per group: only the clipped gradients and the counts outlive it, so AGC's temporaries (the stacks,
      // squares, products) cost a few copies of one group, not of the whole model.
      const [flags, ...clipped] = tf.tidy(() => {
        const G = tf.stack(members.map((i) => grads[i] as tf.Tensor));
        const W = tf.stack(members.map((i) => (targets[i] as ClipTarget).value));
        // Stacked axis 0 is the member; norms reduce the axes after it, all but the unit axis when per unit.
        const axes = Array.from({ length: perUnit ? rank - 1 : rank }, (_, a) => a + 1);
        const { clipped: scaled, trigger } = clipSlots(G, W, axes, lambda, eps);
        return [trigger.cast("float32").reshape([members.length, -1]).sum(1), ...tf.unstack(scaled)];
      }) as [tf.Tensor, ...tf.Tensor[]];
      clipped.forEach((c, j) => {
        out[members[j] as number] = c;
      });
      clippedPerParam.push(flags);
      for (const i of members) {
        order.push(i);
        const role = (targets[i] as ClipTarget).role ?? "";
        if (!roleOf.has(role)) {
          roleOf.set(role, roles.length);
          roles.push(role);
          unitsPerRole.push(0);
        }
        unitsPerRole[roleOf.get(role) as number] += unitsEach;
      }
    }
    if (order.length === 0) return [] as tf.Tensor[];
    // Clipped units per role = (clipped units per parameter) · (parameter → role one-hot).
    const oneHot = new Float32Array(order.length * roles.length);
    order.forEach((i, p) => {
      oneHot[p * roles.length + (roleOf.get((targets[i] as ClipTarget).role ?? "") as number)] = 1;
    });
    const perRole = tf
      .concat(clippedPerParam)
      .reshape([1, order.length])
      .matMul(tf.tensor2d(oneHot, [order.length, roles.length]))
      .reshape([roles.length]);
    const counts = tf.stack([perRole, tf.tensor1d(unitsPerRole)], 1);
    return [...order.map((i) => out[i] as tf.Tensor), counts];
  });
  if (kept.length === 0) return { grads: out, clippedByRole: null };
  return { grads: out, clippedByRole: { roles, counts: kept[kept.length - 1] as tf.Tensor2D } };
}
