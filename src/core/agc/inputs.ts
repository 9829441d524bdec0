// What AGC takes, and the checks on it: the clip granularities, a parameter's unit axes, what to do with a
// non-finite unit, the options of agcClip and of clipGradients/withAgc (with ε's default and the one "clipping off"
// rule), a list's clip targets, and the errors: an unusable input, a non-finite unit. The library's callers may be untyped, so every value is checked, not only its type.
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

/**
 * The axes that index a parameter's units, 0-based (−1 the last): AGC's norms reduce every other axis. `[]` makes
 * the whole tensor one unit. Examples (tfjs layouts): conv2d HWIO [kh,kw,in,out] → [3]; dense [in,out] → [1];
 * depthwise [kh,kw,in,mult] → [2, 3] (one unit per output channel); conv2dTranspose [kh,kw,out,in] → [2]; PyTorch
 * OIHW → [0]. Absent: the official rule (units.ts officialUnitAxes).
 */
export type AgcUnitAxes = readonly number[];

/**
 * What AGC does with a non-finite unit: one whose gradient (for `global`: one whose parameter's gradient) or
 * parameter holds NaN or ±Inf, where neither its norm nor its clip factor means anything. `error` (the default):
 * throw an AgcNonFiniteError, nothing returned; `zero`: its gradient becomes 0 (the unit is not updated by this
 * gradient); `keep`: its gradient is returned as it came, for the caller to catch (nfx's trainer, which ends the run
 * as diverged). `zero` and `keep` count such units (ClipResult's `nonFinite`); the other units are clipped as usual.
 */
export const AGC_NON_FINITE = ["error", "zero", "keep"] as const;
export type AgcNonFinite = (typeof AGC_NON_FINITE)[number];

/** Options of agcClip (AGC on one parameter). */
export interface AgcClipOptions {
  /** Threshold λ on ‖G_i‖ / max(‖W_i‖, ε), a ratio (unitless): a finite number > 0. Paper: 0.01–0.16. */
  lambda: number;
  /** Floor ε on the parameter norm (finite, > 0), so zero-initialised parameters still get updates. Paper: 1e-3. */
  eps?: number;
  /** `unit`: per unit (see unitAxes); `layer`: the whole tensor is one unit (unitAxes is then not used). */
  granularity: AgcClipGranularity;
  /** The unit axes of the parameter (AgcUnitAxes); default: the official rule for tfjs layouts. */
  unitAxes?: AgcUnitAxes;
  /** What to do with a non-finite unit (AgcNonFinite); default `error`. */
  nonFinite?: AgcNonFinite;
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
  /** What to do with a non-finite unit (AgcNonFinite); default `error`. Not checked when clipping is off. */
  nonFinite?: AgcNonFinite;
}

/**
 * ε when none is given: the paper's 1e-3 (a floor on ‖W_i‖, in the parameters' units; official agc_optax.py). The one
 * home of this default: the config schema's `agc.eps` default is this constant.
 */
export const DEFAULT_EPS = 1e-3;

/**
 * Whether AGC settings turn clipping off: granularity `none`, or no threshold (λ null or absent). The one rule for
 * "no clipping": a config's two spellings of it (config/inert.ts writeNoClipping writes both), the identity's inert keys, the
 * sweep's explanations, the figures' unclipped arms and clipGradients all ask this.
 */
export function clippingOff(agc: { granularity: string; lambda: number | null | undefined }): boolean {
  return agc.granularity === "none" || agc.lambda === null || agc.lambda === undefined;
}

/** A parameter clipGradients clips a gradient for. */
export interface ClipTarget {
  /** The parameter's current value (the gradient's shape, tfjs layout). */
  value: tf.Tensor;
  /**
   * Its role, one of PARAM_ROLES (e.g. `classifier_weight`), matched against `exclude`; absent for a parameter
   * with no role (always clipped; counted under the role `""`).
   */
  role?: ParamRole;
  /** The unit axes of the parameter (AgcUnitAxes); default: the official rule for tfjs layouts. */
  unitAxes?: AgcUnitAxes;
}

/**
 * An AGC input the library cannot use; `option` names it (`options`, `lambda`, `eps`, `granularity`, `exclude`,
 * `roles`, `targets`, `optimizer`, `grad`, `gradient i`, `x`, `ts`, `unitAxes`, `nonFinite`, `model`) and the
 * message says why in one line, starting with the entry point (`agcClip: …`).
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

/**
 * Non-finite units met with `nonFinite: "error"` (the default): AGC cannot scale a unit whose gradient or parameter
 * holds NaN or ±Inf, and returns nothing. `units` of `total` units were non-finite (for `global`: parameters);
 * `parameter` is the first such gradient's index in clipGradients's list (0 for agcClip), `role` its role.
 */
export class AgcNonFiniteError extends Error {
  constructor(
    readonly units: number,
    readonly total: number,
    readonly parameter: number,
    readonly role: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = "AgcNonFiniteError";
  }
}

function describe(v: unknown): string {
  return typeof v === "number" ? String(v) : (JSON.stringify(v) ?? String(v));
}

/**
 * Checks AGC options by the config schema's rules (`agc.*` keys). With `allowOff` (clipGradients, withAgc, the
 * AgcOptions rules): granularity one of unit, layer, global, none; λ a finite number > 0 or null (no clipping).
 * Without (agcClip, the AgcClipOptions rules): granularity unit or layer; λ a finite number > 0. Both: ε (when
 * given) a finite number > 0; nonFinite (when given) one of AGC_NON_FINITE; exclude (when given) a list of
 * PARAM_ROLES names. `who` prefixes the message (the entry point's name). Options come from untyped callers too,
 * so every value is checked, not only its type.
 * @throws AgcOptionsError naming the first option at fault (`options`, `granularity`, `lambda`, `eps`,
 * `nonFinite`, `exclude`), e.g. `withAgc: exclude[0]: unknown role "classifer_weight" (did you mean
 * classifier_weight?); roles: …`.
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
  const opts = options as {
    granularity?: unknown;
    lambda?: unknown;
    eps?: unknown;
    exclude?: unknown;
    nonFinite?: unknown;
  };
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
  if (opts.nonFinite !== undefined && !(AGC_NON_FINITE as readonly unknown[]).includes(opts.nonFinite)) {
    fail("nonFinite", `must be one of ${AGC_NON_FINITE.join(", ")}`, opts.nonFinite);
  }
  if (opts.exclude !== undefined) {
    const ex = opts.exclude;
    if (!Array.isArray(ex)) fail("exclude", "must be a list of role names", ex);
    const i = (ex as unknown[]).findIndex((r) => !isParamRole(r));
    if (i >= 0)
      throw new AgcOptionsError("exclude", `${who}: exclude[${i}]: ${unknownRoleReason((ex as unknown[])[i])}`);
  }
}

export function checkPair(who: string, grad: tf.Tensor, param: tf.Tensor, what: string): void {
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
 * Checks clipGradients's lists: as many gradients as targets, each gradient a tensor of its target's shape, each
 * role (when given) one of PARAM_ROLES.
 * @throws AgcOptionsError (option `targets` or `gradient i`) at the first fault.
 */
export function checkClipTargets(grads: readonly tf.Tensor[], targets: readonly ClipTarget[]): void {
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
}
