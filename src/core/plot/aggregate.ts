// Seed replicates folded into one point per condition: the mean, its band (bands.ts: chosen by --band, none under
// 3 seeds, cut at the metric's range) and the seeds themselves, which a group too small for a band is drawn as.
import { type BandKind, type MetricRange, type SeedBand, seedBand } from "./bands.js";
import { newestRevisionPerGroup } from "./revisions.js";
import type { Cell, RunRow } from "./runRows.js";

/** One condition: its seeds' band (bands.ts SeedBand: mean, band, seeds, range) and counts. */
export interface AggregatedPoint extends SeedBand {
  /** The grouping keys' values, under their own names. */
  [key: string]: Cell | number[];
  n: number;
  n_diverged: number;
  /** Seeds that collapsed (core/train/outcome.ts): finished every step without training. */
  n_collapsed: number;
}

/** Which band to draw and the range it must stay in (bands.ts metricRange). */
export interface BandChoice {
  kind: BandKind;
  range: MetricRange | null;
}

/**
 * Groups rows by `keys` and summarizes `field` (rows where it is not a finite number are skipped). A group never
 * pools two training revisions: only its newest revision's rows count (revisions.ts).
 */
export function aggregate(
  rows: readonly RunRow[],
  keys: readonly string[],
  field: string,
  band: BandChoice,
): AggregatedPoint[] {
  const groups = new Map<string, { at: Record<string, Cell>; values: number[]; diverged: number; collapsed: number }>();
  for (const row of newestRevisionPerGroup(rows, keys).rows) {
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
  return [...groups.values()].map((g) => ({
    ...g.at,
    ...seedBand(g.values, band.kind, band.range),
    n: g.values.length,
    n_diverged: g.diverged,
    n_collapsed: g.collapsed,
  }));
}
