// clipGradients's work on a list, once its inputs are checked: `global` rescales the clipped gradients together by
// their global norm; `unit` and `layer` clip every parameter in one fused kernel call where nfx's wasm kernels run
// (engine/ops/fusedAgc.ts), else group the clipped gradients by shape and unit axes and clip each group stacked
// with tfjs ops; both count the clipped and the non-finite units per role (read once by the caller).

import { type AgcColumns, fusedAgcAvailable, fusedAgcClip } from "../engine/ops/fusedAgc.js";
import { tf } from "../engine/tf.js";
import { type AgcNonFinite, AgcNonFiniteError, type ClipTarget } from "./inputs.js";
import { clipSlots, nonFiniteSlots, SCALE_FLOOR, scaledGlobalNorm } from "./norms.js";
import { reducedAxes, unitCount } from "./units.js";

export interface ClipResult {
  /** grads[i] is the (maybe clipped) gradient of targets[i], its shape. */
  grads: tf.Tensor[];
  /**
   * Per role (in first-seen order; `""` for targets without a role): `counts`, [clipped units, total units] as a
   * float32 tensor of shape [roles, 2], and `nonFinite`, the units holding NaN or ±Inf (left unclipped: zeroed or
   * kept, as `nonFinite` said), float32 [roles] (read once, after the step). For `global`: one row `all` whose
   * clipped count is 1 when the global norm was clipped, and whose nonFinite counts the non-finite gradients.
   * null when nothing was clipped by AGC (`none`, λ null, all excluded).
   */
  clippedByRole: { roles: string[]; counts: tf.Tensor2D; nonFinite: tf.Tensor1D } | null;
}

/** The clip settings of `unit` and `layer` once checked: λ, ε and what to do with a non-finite unit. */
export interface SlotSettings {
  lambda: number;
  eps: number;
  mode: AgcNonFinite;
}

/** The one-line message of an AgcNonFiniteError: who met how many non-finite units of which tensor, and the ways on. */
export function nonFiniteMessage(
  who: string,
  what: string,
  shape: readonly number[],
  bad: number,
  total: number,
): string {
  return (
    `${who}: ${what} [${shape.join(",")}]: ${bad} of ${total} unit${total === 1 ? "" : "s"} ` +
    `${bad === 1 ? "holds" : "hold"} NaN or ±Inf in the gradient or the parameter, which AGC cannot scale; ` +
    'nonFinite: "zero" zeroes such units, "keep" passes them on'
  );
}

/**
 * Throws clipGradients's AgcNonFiniteError when some `bad[j]` (non-finite units of gradient `order[j]`, of
 * `totals[j]`) is > 0, naming the first such gradient (index, role, shape) and the count over all of them.
 */
function throwNonFinite(
  grads: readonly tf.Tensor[],
  targets: readonly ClipTarget[],
  order: readonly number[],
  bad: ArrayLike<number>,
  totals: readonly number[],
  unit: "unit" | "gradient",
): void {
  const counts = Array.from(bad);
  const j = counts.findIndex((n) => n > 0);
  if (j < 0) return;
  const i = order[j] as number;
  const role = (targets[i] as ClipTarget).role;
  const all = counts.reduce((s, n) => s + n, 0);
  const total = totals.reduce((s, n) => s + n, 0);
  const what = `gradient ${i}${role ? ` (${role})` : ""}`;
  const shape = (grads[i] as tf.Tensor).shape;
  // `global` judges whole gradients: the count is over the list; per unit, over this gradient (and the list's sum).
  const message =
    unit === "gradient"
      ? `clipGradients: ${what} [${shape.join(",")}] holds NaN or ±Inf (${all} of ${total} gradients do), which ` +
        'global clipping cannot scale; nonFinite: "zero" zeroes such gradients, "keep" passes them on'
      : nonFiniteMessage("clipGradients", what, shape, counts[j] as number, totals[j] as number) +
        (all > (counts[j] as number) ? ` (${all} of ${total} units in all)` : "");
  throw new AgcNonFiniteError(all, total, i, role, message);
}

/**
 * Classic clipping: the gradients grads[i], i in `clipped`, are rescaled together so that their global norm is at
 * most λ; the others are returned as they are. A gradient holding NaN or ±Inf (`mode`: error throws, zero zeroes
 * it, keep passes it on) is left out of the norm. Counts: one row `all`, [1 if clipped, 1], nonFinite [gradients].
 */
export function clipGlobalNorm(
  grads: readonly tf.Tensor[],
  targets: readonly ClipTarget[],
  clipped: number[],
  lambda: number,
  mode: AgcNonFinite,
): ClipResult {
  return tf.tidy(() => {
    if (clipped.length === 0) {
      const counts = tf.tensor2d([[0, 1]]);
      return { grads: [...grads], clippedByRole: { roles: ["all"], counts, nonFinite: tf.tensor1d([0]) } };
    }
    const G = clipped.map((i) => grads[i] as tf.Tensor);
    const bad = G.map((g) => nonFiniteSlots(g, reducedAxes(g.rank, [])).reshape([]));
    const badCount = tf.stack(bad).cast("float32");
    if (mode === "error")
      throwNonFinite(
        grads,
        targets,
        clipped,
        badCount.dataSync(),
        clipped.map(() => 1),
        "gradient",
      );
    const finite = mode === "error" ? G : G.map((g, j) => tf.where(bad[j] as tf.Tensor, tf.zerosLike(g), g));
    const { scale, unitNorm } = scaledGlobalNorm(finite);
    const trigger = scale.mul(unitNorm).greater(lambda);
    // Clipped: λ·g/‖g‖ = (g/scale)·(λ/unitNorm), with unitNorm > 0 whenever clipped.
    const factor = tf.scalar(lambda).div(unitNorm.maximum(SCALE_FLOOR));
    // Scalars: (g/scale)·factor when clipped, g/1·1 = g exactly otherwise (no where over a trigger tiled to g).
    const one = tf.scalar(1);
    const [divisor, multiplier] = [tf.where(trigger, scale, one), tf.where(trigger, factor, one)];
    const out = [...grads];
    clipped.forEach((i, j) => {
      const g = G[j] as tf.Tensor;
      const rescaled = (finite[j] as tf.Tensor).div(divisor).mul(multiplier);
      out[i] =
        mode === "error" ? rescaled : tf.where(bad[j] as tf.Tensor, mode === "zero" ? tf.zerosLike(g) : g, rescaled);
    });
    const counts = tf.stack([trigger.cast("float32"), tf.scalar(1)]).reshape([1, 2]) as tf.Tensor2D;
    return {
      grads: out,
      clippedByRole: { roles: ["all"], counts, nonFinite: badCount.sum().reshape([1]) as tf.Tensor1D },
    };
  });
}

/**
 * AGC (`unit` or `layer`) on grads[i], i in `clipped`, with unitAxes[i] its unit axes ([] for `layer`). On wasm,
 * when every parameter's units are its trailing axes, one fused kernel call clips them all (clipFused). Otherwise
 * parameters of one shape and unit axes are clipped together (stacked): a few kernel launches per group instead of
 * per parameter, since per-op overhead dominates AGC on GPUs and on wasm. Roles are counted in the order the groups
 * visit them. With mode `error`, the non-finite counts are read (one read) and the first non-finite gradient throws.
 */
export function clipByShape(
  grads: readonly tf.Tensor[],
  targets: readonly ClipTarget[],
  clipped: number[],
  unitAxes: readonly number[][],
  settings: SlotSettings,
): ClipResult {
  const groups = groupBy(clipped, (i) => `${(grads[i] as tf.Tensor).shape.join("x")}|${unitAxes[i]?.join(",")}`);
  const order = groups.flat();
  if (order.length === 0) return { grads: [...grads], clippedByRole: null };
  const units = order.map((i) => unitCount((grads[i] as tf.Tensor).shape, unitAxes[i] as number[]));
  const table = roleTable(
    order.map((i) => (targets[i] as ClipTarget).role ?? ""),
    units,
  );
  const fused = clipFused(grads, targets, order, unitAxes, settings, units, table);
  if (fused !== null) return fused;
  const out: tf.Tensor[] = [...grads];
  // The clipped gradients leave the tidy by being returned (not kept), so that a caller's tidy still owns them.
  const kept = tf.tidy(() => {
    const flags = groups.map((members) => {
      const G = members.map((i) => grads[i] as tf.Tensor);
      const W = members.map((i) => (targets[i] as ClipTarget).value);
      const [clippedUnits, badUnits, ...clippedGrads] = clipGroup(
        G,
        W,
        unitAxes[members[0] as number] as number[],
        settings,
      );
      members.forEach((i, j) => {
        out[i] = clippedGrads[j] as tf.Tensor;
      });
      return { clippedUnits, badUnits };
    });
    const badPerParam = tf.concat(flags.map((f) => f.badUnits));
    if (settings.mode === "error") throwNonFinite(grads, targets, order, badPerParam.dataSync(), units, "unit");
    const clippedPerParam = tf.concat(flags.map((f) => f.clippedUnits));
    const counts = tf.stack([perRole(clippedPerParam, table), tf.tensor1d(table.unitsPerRole)], 1);
    return [...order.map((i) => out[i] as tf.Tensor), counts, perRole(badPerParam, table)];
  });
  const [counts, nonFinite] = kept.slice(-2) as [tf.Tensor2D, tf.Tensor1D];
  return { grads: out, clippedByRole: { roles: table.roles, counts, nonFinite } };
}

/** A parameter as [rows, cols] with its units the columns, when its reduced axes are its leading ones; else null. */
function columnsOf(shape: readonly number[], unitAxes: readonly number[]): AgcColumns | null {
  const reduced = reducedAxes(shape.length, unitAxes);
  if (reduced.some((a, j) => a !== j)) return null;
  const size = (axes: readonly number[]) => axes.reduce((n, a) => n * (shape[a] as number), 1);
  return { rows: size(reduced), cols: size(unitAxes) };
}

/**
 * clipByShape in one fused kernel call over every parameter (engine/ops/fusedAgc.ts), where it runs (the wasm
 * backend) and every parameter's units are its trailing axes; null elsewhere. The same counts, read on the CPU.
 */
function clipFused(
  grads: readonly tf.Tensor[],
  targets: readonly ClipTarget[],
  order: number[],
  unitAxes: readonly number[][],
  settings: SlotSettings,
  units: number[],
  table: RoleTable,
): ClipResult | null {
  const layouts = order.map((i) => columnsOf((grads[i] as tf.Tensor).shape, unitAxes[i] as number[]));
  const G = order.map((i) => grads[i] as tf.Tensor);
  const W = order.map((i) => (targets[i] as ClipTarget).value);
  if (layouts.some((l) => l === null) || !fusedAgcAvailable([...G, ...W])) return null;
  const { lambda, eps, mode } = settings;
  const settingsOfKernel = { lambda, eps, floor: SCALE_FLOOR, zeroNonFinite: mode === "zero" };
  const { clipped, perParam } = fusedAgcClip(G, W, layouts as AgcColumns[], settingsOfKernel);
  const column = (c: number) => order.map((_, j) => perParam[2 * j + c] as number);
  if (mode === "error") {
    try {
      throwNonFinite(grads, targets, order, column(1), units, "unit");
    } catch (e) {
      for (const t of clipped) t.dispose();
      throw e;
    }
  }
  const out: tf.Tensor[] = [...grads];
  order.forEach((i, j) => {
    out[i] = clipped[j] as tf.Tensor;
  });
  const sumPerRole = (perParamCounts: number[]) =>
    table.roles.map((_, r) => perParamCounts.reduce((n, v, j) => (table.roleOf[j] === r ? n + v : n), 0));
  const clippedPerRole = sumPerRole(column(0));
  const counts = tf.tensor2d(
    table.roles.map((_, r) => [clippedPerRole[r] as number, table.unitsPerRole[r] as number]),
    [table.roles.length, 2],
  );
  return { grads: out, clippedByRole: { roles: table.roles, counts, nonFinite: tf.tensor1d(sumPerRole(column(1))) } };
}

/** The indices `items`, grouped by `key` (groups in first-seen order). */
function groupBy(items: readonly number[], key: (i: number) => string): number[][] {
  const groups = new Map<string, number[]>();
  for (const i of items) {
    const k = key(i);
    const members = groups.get(k);
    if (members) members.push(i);
    else groups.set(k, [i]);
  }
  return [...groups.values()];
}

/**
 * Clips one group of gradients of one shape and unit axes, stacked. Returns the clipped units per member, the
 * non-finite units per member, then the clipped gradients. A tidy per group: only those outlive it, so AGC's
 * temporaries (the stacks, squares, products) cost a few copies of one group, not of the whole model.
 */
function clipGroup(
  grads: tf.Tensor[],
  values: tf.Tensor[],
  unitAxes: number[],
  settings: SlotSettings,
): [tf.Tensor, tf.Tensor, ...tf.Tensor[]] {
  return tf.tidy(() => {
    const G = tf.stack(grads);
    const W = tf.stack(values);
    // Stacked axis 0 is the member; norms reduce the axes after it that are not unit axes.
    const axes = reducedAxes((grads[0] as tf.Tensor).rank, unitAxes).map((a) => a + 1);
    const { lambda, eps, mode } = settings;
    const { clipped, trigger, nonFinite } = clipSlots(G, W, axes, lambda, eps, mode === "zero");
    const perMember = (mask: tf.Tensor) => mask.cast("float32").reshape([grads.length, -1]).sum(1);
    return [perMember(trigger), perMember(nonFinite), ...tf.unstack(clipped)];
  }) as [tf.Tensor, tf.Tensor, ...tf.Tensor[]];
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
 * A per-parameter count summed per role, shape [roles]: (count per parameter) · (parameter → role one-hot), so the
 * counts stay on the device until the step's one read.
 */
function perRole(perParam: tf.Tensor, table: RoleTable): tf.Tensor1D {
  const params = table.roleOf.length;
  const roles = table.roles.length;
  const oneHot = new Float32Array(params * roles);
  table.roleOf.forEach((r, p) => {
    oneHot[p * roles + r] = 1;
  });
  return perParam
    .reshape([1, params])
    .matMul(tf.tensor2d(oneHot, [params, roles]))
    .reshape([roles]) as tf.Tensor1D;
}
