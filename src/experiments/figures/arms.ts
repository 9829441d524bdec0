// Picking groups of runs out of a figure's rows: by model family, clipping, and the best λ of a set.
import type { Cell, RunRow } from "../../core/plot/runRows.js";
import { mean } from "../../core/plot/stats.js";

export const MODEL = "model.name";
export const LAMBDA = "agc.lambda";
export const GRANULARITY = "agc.granularity";
export const EXCLUDE = "agc.exclude";
export const BATCH = "train.batch_size";

export const isBn = (r: RunRow): boolean => String(r[MODEL]).startsWith("bn-");
export const isNf = (r: RunRow): boolean => !isBn(r);
/** Clipping is on: a threshold is set and the granularity is not "none". */
export const isClipped = (r: RunRow): boolean => typeof r[LAMBDA] === "number" && r[GRANULARITY] !== "none";

/** Distinct numeric values of `key`, ascending. */
export function numericLevels(rows: readonly RunRow[], key: string): number[] {
  return [...new Set(rows.map((r) => r[key]).filter((v): v is number => typeof v === "number"))].sort((a, b) => a - b);
}

export function where(rows: readonly RunRow[], key: string, value: Cell): RunRow[] {
  return rows.filter((r) => r[key] === value);
}

function meanTop1(rows: readonly RunRow[]): number {
  const xs = rows.map((r) => r.top1).filter((v): v is number => typeof v === "number");
  return xs.length ? mean(xs) : Number.NEGATIVE_INFINITY;
}

/** The group (by `key`) with the highest mean top-1, and its key value; null when there are no rows. */
export function bestBy(rows: readonly RunRow[], key: string): { value: Cell; rows: RunRow[] } | null {
  const groups = new Map<string, { value: Cell; rows: RunRow[] }>();
  for (const r of rows) {
    const id = JSON.stringify(r[key] ?? null);
    const g = groups.get(id) ?? { value: r[key] ?? null, rows: [] };
    g.rows.push(r);
    groups.set(id, g);
  }
  let best: { value: Cell; rows: RunRow[] } | null = null;
  for (const g of groups.values()) if (!best || meanTop1(g.rows) > meanTop1(best.rows)) best = g;
  return best;
}

/** The group with the lowest mean top-1 (for "how much does the threshold matter"). */
export function worstBy(rows: readonly RunRow[], key: string): { value: Cell; rows: RunRow[] } | null {
  const negated = rows.map((r) => ({ ...r, top1: typeof r.top1 === "number" ? -r.top1 : r.top1 }));
  const w = bestBy(negated, key);
  if (!w) return null;
  const ids = new Set(w.rows.map((r) => r.run_id));
  return { value: w.value, rows: rows.filter((r) => ids.has(r.run_id)) };
}

export function lambdaLabel(v: Cell): string {
  return v === null ? "no clipping" : `λ=${v}`;
}
