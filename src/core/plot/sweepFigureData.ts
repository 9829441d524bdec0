// The data a sweep's figure draws, from its layout (sweepLayout.ts):
//   1. each run's places: the panel(s) and colour it is drawn in; a run whose key changes nothing there (the
//      unclipped baseline's exclusions) is drawn in every panel it matches, all but the first marked `replica`,
//      so that counting the non-replica rows counts every run once;
//   2. the top-1 rows: one per seed (run) and one per point (the seeds of one condition pooled: mean and n);
//   3. the loss rows: per point and logged step, the mean loss over its seeds, at the training examples seen.
import type { RunStore } from "../store/runStore.js";
import type { Cell } from "./runRows.js";
import { shortKey } from "./runRows.js";
import { type LayoutRun, levelText, type SweepLayout, valuesFor } from "./sweepLayout.js";

/** Where a run is drawn: its facet labels (null: no such facet), colour, and x. */
export interface Place {
  column: string | null;
  row: string | null;
  replica: boolean;
}

/** "B=64 · unclipped=classifier_weight": the label of a facet made of these keys' values. */
function facetLabel(keys: readonly string[], values: readonly Cell[]): string {
  return keys.map((k, i) => `${shortKey(k)}=${levelText(values[i] ?? null)}`).join(" · ");
}

function combinations(options: readonly Cell[][]): Cell[][] {
  return options.reduce<Cell[][]>((acc, vs) => acc.flatMap((a) => vs.map((v) => [...a, v])), [[]]);
}

/** Every facet label of these keys, in reading order of their levels. */
export function facetLabels(layout: SweepLayout, keys: readonly string[]): string[] {
  if (!keys.length) return [];
  return combinations(keys.map((k) => layout.levels.get(k) ?? [])).map((vs) => facetLabel(keys, vs));
}

/** Step 1: the panels a run is drawn in, for a figure faceted by these column and row keys. */
export function placesOf(
  layout: SweepLayout,
  r: LayoutRun,
  columnKeys: readonly string[],
  rowKeys: readonly string[],
): Place[] {
  const cols = combinations(columnKeys.map((k) => valuesFor(layout, r, k)));
  const rows = combinations(rowKeys.map((k) => valuesFor(layout, r, k)));
  return cols.flatMap((c, i) =>
    rows.map((rv, j) => ({
      column: columnKeys.length ? facetLabel(columnKeys, c) : null,
      row: rowKeys.length ? facetLabel(rowKeys, rv) : null,
      replica: i > 0 || j > 0,
    })),
  );
}

/** A run's condition: its values on every axis (a key that changes nothing in it reads "*"), seeds pooled. */
function conditionOf(layout: SweepLayout, r: LayoutRun): string {
  const keys = [layout.x.key, layout.colour, layout.column, ...layout.rows].filter((k): k is string => k !== null);
  return JSON.stringify([r.baseline, ...keys.map((k) => (r.free.has(k) ? "*" : (r.row[k] ?? null)))]);
}

/** A run's x: its value on the x axis, null where the axis cannot place it (λ = none, or ≤ 0 on a log axis). */
function xOf(layout: SweepLayout, r: LayoutRun): Cell {
  const key = layout.x.key;
  if (key === null) return "all runs";
  if (r.free.has(key)) return null;
  const v = r.row[key] ?? null;
  if (!layout.x.numeric) return levelText(v);
  return typeof v === "number" && (!layout.x.log || v > 0) ? v : null;
}

export type FigureRow = Record<string, Cell>;

interface Condition {
  cond: string;
  runs: LayoutRun[];
}

/** The runs grouped into conditions (seeds pooled), in the runs' order. */
export function conditions(layout: SweepLayout, runs: readonly LayoutRun[]): Condition[] {
  const byCond = new Map<string, LayoutRun[]>();
  for (const r of runs) {
    const c = conditionOf(layout, r);
    byCond.set(c, [...(byCond.get(c) ?? []), r]);
  }
  return [...byCond].map(([cond, rs]) => ({ cond, runs: rs }));
}

/** The fields every row of a condition shares: x, colour, baseline. */
function shared(layout: SweepLayout, r: LayoutRun): FigureRow {
  const x = xOf(layout, r);
  return {
    x,
    off_axis: x === null,
    colour: layout.colour === null || r.baseline ? null : levelText(r.row[layout.colour] ?? null),
    baseline: r.baseline,
  };
}

/** Step 2: seed rows (kind "seed") and point rows (kind "point") of the runs that have a top-1. */
export function top1Rows(layout: SweepLayout, drawn: readonly LayoutRun[], labels: Map<number, string>): FigureRow[] {
  const rows: FigureRow[] = [];
  const rowKeys = layout.rows;
  const colKeys = layout.column ? [layout.column] : [];
  for (const { cond, runs } of conditions(layout, drawn)) {
    const first = runs[0] as LayoutRun;
    const top1s = runs.map((r) => r.row.top1 as number);
    const mean = top1s.reduce((a, b) => a + b, 0) / top1s.length;
    for (const place of placesOf(layout, first, colKeys, rowKeys)) {
      const at = { cond, ...shared(layout, first), column: place.column, row: place.row, replica: place.replica };
      rows.push({ ...at, kind: "point", mean, n: runs.length, n_diverged: count(runs, "diverged") });
      for (const r of runs) {
        const label = labels.get(r.run.id) ?? `run ${r.run.id}`;
        rows.push({ ...at, kind: "seed", run_id: r.run.id, label, top1: r.row.top1 ?? null, status: r.run.status });
      }
    }
  }
  return rows;
}

function count(runs: readonly LayoutRun[], status: string): number {
  return runs.filter((r) => r.run.status === status).length;
}

/** Mean of each logged step's finite loss over the runs, keyed by step (0-based, as stored). */
function meanLoss(store: RunStore, runs: readonly LayoutRun[]): Map<number, { sum: number; n: number }> {
  const at = new Map<number, { sum: number; n: number }>();
  for (const r of runs) {
    for (const m of store.metrics(r.run.id, "loss")) {
      if (m.value === null || !Number.isFinite(m.value)) continue;
      const s = at.get(m.step) ?? { sum: 0, n: 0 };
      at.set(m.step, { sum: s.sum + m.value, n: s.n + 1 });
    }
  }
  return at;
}

/**
 * Step 3: per condition and logged step, the mean loss over its seeds. Panels: a column per colour level and a
 * row per facet combination; colour: the x value (so one panel's lines differ in the x axis only).
 */
export function lossRows(store: RunStore, layout: SweepLayout, runs: readonly LayoutRun[]): FigureRow[] {
  const rows: FigureRow[] = [];
  const colKeys = layout.colour ? [layout.colour] : [];
  const rowKeys = [...(layout.column ? [layout.column] : []), ...layout.rows];
  for (const { cond, runs: seeds } of conditions(layout, runs)) {
    const first = seeds[0] as LayoutRun;
    const x = shared(layout, first).x;
    // A baseline run that x places (x is the batch size) is drawn in its x value's colour, dashed; one x cannot
    // place (x is λ) is the grey "no clipping" line.
    const line = x !== null ? levelText(x) : first.baseline ? "no clipping" : "none";
    const batch = first.run.config.train.batch_size;
    const steps = [...meanLoss(store, seeds)].sort(([a], [b]) => a - b);
    for (const place of placesOf(layout, first, colKeys, rowKeys)) {
      for (const [step, s] of steps) {
        // x is examples seen (step × batch), so that runs of different batch sizes line up by epoch.
        const examples = (step + 1) * batch;
        const at = { cond, line, baseline: first.baseline, off_axis: x === null, ...place };
        rows.push({ ...at, examples, loss: s.sum / s.n, n: s.n });
      }
    }
  }
  return rows;
}
