// Where each of a sweep's axes goes in its figure, decided from the axes themselves:
//   1. the axes: the sweep file's own (grid keys in the order written, then zip, then random; the seed is pooled),
//      or, without a sweep file, the config keys the runs differ in (identity keys, config/hash.ts), λ, granularity,
//      exclusions and batch size first (ABLATION_ORDER); keys that take
//      one value among the clipped runs, or that another axis determines (a zip partner), are no axis;
//   2. the unclipped baseline: where some runs clip and some do not (clippingOff), the runs that do not are a
//      reference drawn in every panel they match, not a series (λ = none has no place on a λ axis);
//   3. the roles: x = the first numeric axis (log scale when its values span a factor of 8 or more, as λ grids do),
//      else the first axis as categories; colour = the next axis with at most 10 values (a palette's distinct
//      colours); columns = the next; rows = the rest, one row per combination. Facets grow the figure instead of
//      crowding a panel, so labels never overlap at any run count.
import { clippingOff } from "../agc/inputs.js";
import { inertKeys } from "../config/hash.js";
import { compareCells } from "../store/groupRuns.js";
import type { StoredRun } from "../store/runStore.js";
import { writeValue } from "../text/writtenForm.js";
import { type Cell, type RunRow, runRow, varyingConfigKeys, withoutDetermined } from "./runRows.js";

/** The most colours a legend can keep apart (vega's category10 repeats after them). */
export const MAX_COLOURS = 10;

/** Keys that spell "no clipping" (config/inert.ts, NO_CLIPPING_SPELLINGS): a baseline run matches every value. */
const NO_CLIPPING_KEYS = ["agc.lambda", "agc.granularity"];

export interface LayoutRun {
  run: StoredRun;
  row: RunRow;
  /** Does not clip, among runs that do: drawn as the reference. */
  baseline: boolean;
  /** Keys whose value changes nothing in this run (inert, or the no-clipping spelling of a baseline run). */
  free: Set<string>;
}

export interface SweepLayout {
  runs: LayoutRun[];
  /** Where the axes came from, for the subtitle. */
  source: "sweep file" | "runs";
  x: { key: string | null; numeric: boolean; log: boolean };
  colour: string | null;
  column: string | null;
  rows: string[];
  /** Each axis's values among the runs it applies to, in reading order (numbers numerically, none last). */
  levels: Map<string, Cell[]>;
}

function layoutRuns(runs: readonly StoredRun[]): LayoutRun[] {
  const some = runs.some((r) => clippingOff(r.config.agc));
  const all = runs.every((r) => clippingOff(r.config.agc));
  return runs.map((run) => {
    const baseline = some && !all && clippingOff(run.config.agc);
    const free = new Set([...inertKeys(run.config), ...(baseline ? NO_CLIPPING_KEYS : [])]);
    return { run, row: runRow(run), baseline, free };
  });
}

/** The values of `key` among the runs it applies to, in reading order. */
function levelsOf(runs: readonly LayoutRun[], key: string): Cell[] {
  const seen = new Map<string, Cell>();
  for (const r of runs) if (!r.free.has(key)) seen.set(JSON.stringify(r.row[key] ?? null), r.row[key] ?? null);
  return [...seen.values()].sort(compareCells);
}

/**
 * Without a sweep file, the order the paper's ablations give the keys roles in: λ on x, the clipping's form, its
 * exclusions, the batch size; any other key after them, in config order.
 */
const ABLATION_ORDER = ["agc.lambda", "agc.granularity", "agc.exclude", "train.batch_size"];

function ablationRank(key: string): number {
  const i = ABLATION_ORDER.indexOf(key);
  return i < 0 ? ABLATION_ORDER.length : i;
}

/** Step 1: the axes, in the order they are given roles. */
function axesOf(runs: readonly LayoutRun[], sweepAxes: readonly string[] | null): string[] {
  const differing = () => varyingConfigKeys(runs.map((r) => r.run)).sort((a, b) => ablationRank(a) - ablationRank(b));
  const given = (sweepAxes ?? differing()).filter((k) => k !== "seed");
  const clipped = runs.filter((r) => !r.baseline);
  const varying = given.filter((k) => levelsOf(clipped, k).length > 1);
  // A later axis that earlier ones determine is no axis of its own: keep the first of a zip's keys.
  const kept = withoutDetermined(
    clipped.map((r) => r.row),
    [...varying].reverse(),
    [],
  );
  return varying.filter((k) => kept.includes(k));
}

const isNumeric = (levels: readonly Cell[]) => levels.length > 0 && levels.every((v) => typeof v === "number");

/** Steps 2 and 3: the figure's layout of these runs. */
export function sweepLayout(runs: readonly StoredRun[], sweepAxes: readonly string[] | null): SweepLayout {
  const laid = layoutRuns(runs);
  const axes = axesOf(laid, sweepAxes);
  const levels = new Map(axes.map((k) => [k, levelsOf(laid, k)]));
  const xKey = axes.find((k) => isNumeric(levels.get(k) ?? [])) ?? axes[0] ?? null;
  const xLevels = xKey === null ? [] : (levels.get(xKey) ?? []);
  const numeric = isNumeric(xLevels);
  const nums = xLevels as number[];
  const log = numeric && nums[0] !== undefined && nums[0] > 0 && Math.max(...nums) / Math.min(...nums) >= 8;
  const rest = axes.filter((k) => k !== xKey);
  const colour = rest.find((k) => (levels.get(k)?.length ?? 0) <= MAX_COLOURS) ?? null;
  const facets = rest.filter((k) => k !== colour);
  return {
    runs: laid,
    source: sweepAxes ? "sweep file" : "runs",
    x: { key: xKey, numeric, log },
    colour,
    column: facets[0] ?? null,
    rows: facets.slice(1),
    levels,
  };
}

/** A value as a label reads it (nfx's written form: null is "none"). */
export function levelText(v: Cell): string {
  return writeValue(v);
}

/**
 * The values a run takes for `key` in the figure: its own, or, where the key changes nothing in it (a baseline
 * run's exclusions), every level of the axis, so that the reference is drawn in every panel it matches.
 */
export function valuesFor(layout: SweepLayout, r: LayoutRun, key: string): Cell[] {
  if (r.free.has(key)) return layout.levels.get(key) ?? [];
  return [r.row[key] ?? null];
}
