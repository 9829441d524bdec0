// Adaptive Gradient Clipping (Brock et al. 2021, eq. 3), on any tfjs parameters. Roles come in as data: AGC knows
// nothing about models.
//
//   G_i ← λ · max(‖W_i‖, ε) / max(‖G_i‖, 1e-6) · G_i    if ‖G_i‖ / max(‖W_i‖, ε) > λ,   else G_i
//
// A unit is the last axis in tfjs layouts (HWIO convs, [in, out] dense): one output channel / neuron. The two bugs
// of the seed document's PyTorch snippet are avoided: the gradients *above* the threshold are the ones rescaled, and
// the unit-wise norm reduces every axis but the last.
import { tf } from "../engine/tf.js";

export type AgcGranularity = "unit" | "layer" | "global" | "none";

export interface AgcOptions {
  /** Threshold λ. For `global`, the maximum global gradient norm (classic clipping). */
  lambda: number;
  /** Floor ε on the parameter norm, so zero-initialised parameters still get updates. Paper: 1e-3. */
  eps?: number;
  granularity: AgcGranularity;
}

export const DEFAULT_EPS = 1e-3;
/** Guard on ‖G‖ in the division (official code: 1e-6). */
const GRAD_NORM_FLOOR = 1e-6;

/**
 * Unit-wise Frobenius norm in tfjs layouts, broadcastable against `x`: conv HWIO reduces axes (0,1,2), dense
 * [in,out] axis 0, and a vector or scalar (bias, gain, skip gain) is one unit.
 */
export function unitwiseNorm(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    if (x.rank <= 1) return x.square().sum().sqrt();
    const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
    return x.square().sum(axes, true).sqrt();
  });
}

/** Norm at the given granularity: per unit, or one norm for the whole tensor. */
function normAt(x: tf.Tensor, granularity: "unit" | "layer"): tf.Tensor {
  return granularity === "unit" ? unitwiseNorm(x) : tf.tidy(() => x.square().sum().sqrt());
}

/** The clipped gradient and a 0/1 mask of which units were clipped (same shape as the norms). */
function clipWithMask(grad: tf.Tensor, param: tf.Tensor, opts: AgcOptions): { clipped: tf.Tensor; mask: tf.Tensor } {
  if (opts.granularity !== "unit" && opts.granularity !== "layer") {
    throw new Error(`agcClip: granularity '${opts.granularity}' is not per-tensor (use clipGradients)`);
  }
  const granularity = opts.granularity;
  return tf.tidy(() => {
    const eps = opts.eps ?? DEFAULT_EPS;
    const pNorm = normAt(param, granularity).maximum(eps);
    const gNorm = normAt(grad, granularity);
    const maxNorm = pNorm.mul(opts.lambda);
    const trigger = gNorm.greater(maxNorm);
    const scale = maxNorm.div(gNorm.maximum(GRAD_NORM_FLOOR));
    const clipped = tf.where(trigger, grad.mul(scale), grad);
    return { clipped, mask: trigger.cast("float32") };
  });
}

/** AGC for one parameter: returns the clipped gradient (a new tensor). */
export function agcClip(grad: tf.Tensor, param: tf.Tensor, opts: AgcOptions): tf.Tensor {
  const { clipped, mask } = clipWithMask(grad, param, opts);
  mask.dispose();
  return clipped;
}

export interface ClipTarget {
  /** The parameter's current value. */
  value: tf.Tensor;
  /** Its role (e.g. `classifier_weight`), matched against `exclude`. */
  role: string;
}

export interface ClipResult {
  grads: tf.Tensor[];
  /** Per role: [clipped units, total units] as a tensor of shape [roles, 2] (read once, after the step). */
  clippedByRole: { roles: string[]; counts: tf.Tensor2D } | null;
}

/**
 * Clips a list of gradients. `unit` and `layer` apply AGC per parameter; `global` rescales all gradients so
 * that their global norm is at most λ; `none` returns them unchanged. Parameters whose role is in `exclude` are
 * never clipped (and not counted in the global norm). Returned gradients are new tensors or the inputs themselves
 * (when untouched); the caller owns both.
 */
export function clipGradients(
  grads: readonly tf.Tensor[],
  targets: readonly ClipTarget[],
  opts: AgcOptions & { exclude?: readonly string[] },
): ClipResult {
  if (grads.length !== targets.length) throw new Error("clipGradients: one target per gradient");
  const exclude = new Set(opts.exclude ?? []);
  if (opts.granularity === "none") return { grads: [...grads], clippedByRole: null };
  if (opts.granularity === "global") {
    return tf.tidy(() => {
      const idx = targets.map((t, i) => (exclude.has(t.role) ? -1 : i)).filter((i) => i >= 0);
      const sq = idx.map((i) => (grads[i] as tf.Tensor).square().sum());
      const norm = sq.length ? tf.addN(sq).sqrt() : tf.scalar(0);
      const scale = tf.minimum(1, tf.scalar(opts.lambda).div(norm.maximum(GRAD_NORM_FLOOR)));
      const clippedFlag = norm.greater(opts.lambda).cast("float32");
      const out = grads.map((g, i) => (exclude.has((targets[i] as ClipTarget).role) ? g : g.mul(scale)));
      const counts = tf.stack([clippedFlag, tf.scalar(1)]).reshape([1, 2]) as tf.Tensor2D;
      return { grads: out, clippedByRole: { roles: ["all"], counts } };
    });
  }
  // Parameters of one shape are clipped together (stacked): a few kernel launches per shape instead of per
  // parameter, since per-op overhead dominates AGC on GPUs and on wasm.
  const granularity = opts.granularity;
  const eps = opts.eps ?? DEFAULT_EPS;
  const groups = new Map<string, number[]>();
  targets.forEach((t, i) => {
    if (exclude.has(t.role)) return;
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
        const norm = (t: tf.Tensor) => (axes.length ? t.square().sum(axes, true).sqrt() : t.abs());
        const maxNorm = norm(W).maximum(eps).mul(opts.lambda);
        const gNorm = norm(G);
        const trigger = gNorm.greater(maxNorm);
        const scaled = tf.where(trigger, G.mul(maxNorm.div(gNorm.maximum(GRAD_NORM_FLOOR))), G);
        return [trigger.cast("float32").reshape([members.length, -1]).sum(1), ...tf.unstack(scaled)];
      }) as [tf.Tensor, ...tf.Tensor[]];
      clipped.forEach((c, j) => {
        out[members[j] as number] = c;
      });
      clippedPerParam.push(flags);
      for (const i of members) {
        order.push(i);
        const role = (targets[i] as ClipTarget).role;
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
      oneHot[p * roles.length + (roleOf.get((targets[i] as ClipTarget).role) as number)] = 1;
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
