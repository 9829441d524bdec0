// Seed replicates folded into one point per condition: mean with a t-based 95% interval (see stats.ts).
import type { Cell, RunRow } from "./runRows.js";
import { summarize } from "./stats.js";

export interface AggregatedPoint {
  /** The grouping keys' values, under their own names. */
  [key: string]: Cell;
  mean: number;
  lo: number;
  hi: number;
  n: number;
  n_diverged: number;
  /** Seeds that collapsed (core/train/outcome.ts): finished every step without training. */
  n_collapsed: number;
}

/** Groups rows by `keys` and summarizes `field` (rows where it is not a finite number are skipped). */
export function aggregate(rows: readonly RunRow[], keys: readonly string[], field: string): AggregatedPoint[] {
  const groups = new Map<string, { at: Record<string, Cell>; values: number[]; diverged: number; collapsed: number }>();
  for (const row of rows) {
    const v = row[field];
    if (typeof v !== "number" || !Number.isFinite(v)) continue;
    const at: Record<string, Cell> = {};
    for (const k of keys) at[k] = row[k] ?? null;
    const id = JSON.stringify(keys.map((k) => at[k]));
    let g = groups.get(id);
    if (!g) {
      g = { at, values: [], diverged: 0, collapsed: 0 };
      groups.set(id, g);
    }
    g.values.push(v);
    if (row.diverged === true) g.diverged++;
    if (row.collapsed === true) g.collapsed++;
  }
  return [...groups.values()].map((g) => {
    const s = summarize(g.values);
    return { ...g.at, mean: s.mean, lo: s.lo, hi: s.hi, n: s.n, n_diverged: g.diverged, n_collapsed: g.collapsed };
  });
}
