// What a "unit" of a parameter is: the axes that index its units (AGC takes one norm per unit, over the other axes).
// Given per parameter (`unitAxes`), or by the official rule, deepmind-research nfnets/optim.py and agc_optax.py
// `unitwise_norm`, which assumes tfjs/JAX layouts (HWIO conv kernels, [in, out] dense kernels):
//
//   squeezes to ≤ 1 dimension (scalar, vector, [1, C], [1, 1, 1, C], [C, 1]) → one unit (norm over everything)
//   rank 2 → reduce axis 0 (units: axis 1)       rank 3 → reduce axis 0 only (units: axes 1 and 2)
//   rank 4 → reduce axes 0, 1, 2 (units: axis 3) rank ≥ 5 → the official code raises; so does nfx
import { AgcOptionsError, type AgcUnitAxes } from "./inputs.js";

/**
 * The official rule's unit axes for a tensor of `shape` (optim.py `unitwise_norm`): `[]` when it squeezes to at
 * most one dimension, [1] for rank 2, [1, 2] for rank 3, [3] for rank 4; null for rank ≥ 5 (no rule).
 */
export function officialUnitAxes(shape: readonly number[]): number[] | null {
  if (shape.filter((d) => d !== 1).length <= 1) return [];
  if (shape.length === 2) return [1];
  if (shape.length === 3) return [1, 2];
  if (shape.length === 4) return [3];
  return null;
}

/**
 * The unit axes of a parameter of `shape`: `given` (checked, made non-negative and sorted) or, when absent, the
 * official rule. `who` and `what` name the entry point and the parameter in errors.
 * @throws AgcOptionsError (option `unitAxes`) when `given` is not a list of distinct integer axes in
 * [−rank, rank), or when none is given for a rank ≥ 5 tensor (the official rule has none).
 */
export function resolveUnitAxes(
  who: string,
  what: string,
  shape: readonly number[],
  given: AgcUnitAxes | undefined,
): number[] {
  const rank = shape.length;
  if (given === undefined) {
    const axes = officialUnitAxes(shape);
    if (axes === null) {
      throw new AgcOptionsError(
        "unitAxes",
        `${who}: ${what}: a rank-${rank} tensor [${shape.join(",")}] has no default unit axes (the official rule ` +
          "knows ranks 0–4): give unitAxes, e.g. [" +
          `${rank - 1}] for a channels-last kernel`,
      );
    }
    return axes;
  }
  const bad = (why: string): never => {
    throw new AgcOptionsError(
      "unitAxes",
      `${who}: ${what}: unitAxes ${why} (got ${JSON.stringify(given) ?? String(given)}, shape [${shape.join(",")}])`,
    );
  };
  if (!Array.isArray(given)) bad("must be a list of axes");
  const axes = given.map((a) => {
    if (!(Number.isInteger(a) && a >= -rank && a < rank)) bad(`must hold integer axes in [${-rank}, ${rank})`);
    return a < 0 ? a + rank : a;
  });
  if (new Set(axes).size !== axes.length) bad("must not name an axis twice");
  return axes.sort((a, b) => a - b);
}

/** The axes AGC's norms reduce: those of a rank-`rank` tensor that are not unit axes. */
export function reducedAxes(rank: number, unitAxes: readonly number[]): number[] {
  return Array.from({ length: rank }, (_, a) => a).filter((a) => !unitAxes.includes(a));
}

/** How many units a tensor of `shape` has: the product of its unit axes' sizes (1 when there are none). */
export function unitCount(shape: readonly number[], unitAxes: readonly number[]): number {
  return unitAxes.reduce((n, a) => n * (shape[a] as number), 1);
}
