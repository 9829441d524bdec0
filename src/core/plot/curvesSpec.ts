// Training curves: per optimizer step, the mean over seeds and its band (bands.ts: chosen by --band, cut at the
// metric's range, so no loss below 0 and no clip fraction outside [0, 1]; at steps with fewer than 3 seeds the seeds
// as points instead) of each chosen metric, one panel per metric and one line per series. Test top-1 comes from the
// evaluations, at the steps where the run evaluated.
//
// Steps are counted from 1, as every message counts them ("loss NaN at step 2", "steps 2/2") and as evaluations
// are stored (after N updates: step N): step N is the N-th optimizer update. The metrics table stores a step's
// metrics under its 0-based index (step N at N − 1), so curves add 1 (see docs/store.md, "Steps").
//
// A diverged run's curves stop at the step it diverged (its later values are NaN or missing): that step is marked
// with a cross at the run's last value, and the caller names those runs in the subtitle.
import type { RunStore, StoredRun } from "../store/runStore.js";
import { type AggregatedPoint, aggregate } from "./aggregate.js";
import { BAND_LABEL, type BandKind, type MetricRange, metricRange } from "./bands.js";
import { intervalText, VEGA_LITE_SCHEMA } from "./meanCiSpec.js";
import type { VegaLiteSpec } from "./render.js";
import type { RunRow } from "./runRows.js";
import { seriesScale } from "./seriesColours.js";

/** The metric name for test top-1 at evaluation steps (the rest are the per-step names of the metrics table). */
export const TEST_TOP1_CURVE = "test_top1";

export interface CurveSeries {
  run: StoredRun;
  series: string;
}

function evalRows(store: RunStore, runId: number): { step: number; top1: number }[] {
  return store.db
    .prepare("SELECT step, top1 FROM evals WHERE run_id = ? AND split = 'test' ORDER BY step")
    .all(runId) as { step: number; top1: number }[];
}

/** The step a stored metric row is drawn at: its 0-based index + 1 (the N-th update is step N). */
export function displayStep(storedStep: number): number {
  return storedStep + 1;
}

/**
 * Long-format rows (series, metric, step counted from 1, value, run_id, diverged, collapsed) for the chosen
 * metrics of each run; non-finite values are left out (a diverged run's curve stops: see curveStops).
 */
export function curveRows(store: RunStore, runs: readonly CurveSeries[], metrics: readonly string[]): RunRow[] {
  const rows: RunRow[] = [];
  for (const { run, series } of runs) {
    const outcome = { diverged: run.status === "diverged", collapsed: run.status === "collapsed" };
    for (const metric of metrics) {
      if (metric === TEST_TOP1_CURVE) {
        for (const e of evalRows(store, run.id))
          rows.push({ series, metric, step: e.step, value: e.top1, run_id: run.id, ...outcome });
        continue;
      }
      for (const m of store.metrics(run.id, metric)) {
        if (m.value !== null && Number.isFinite(m.value))
          rows.push({ series, metric, step: displayStep(m.step), value: m.value, run_id: run.id, ...outcome });
      }
    }
  }
  return rows;
}

/** Where a diverged run's curve of one metric stops: the step it diverged at, and its last finite value. */
export interface CurveStop {
  run_id: number;
  series: string;
  metric: string;
  /** The step the run diverged at (counted from 1, as its message says): its steps_done. */
  step: number;
  /** The metric's value at that step when finite, else its last finite value before it. */
  value: number;
}

/**
 * The stops of the diverged runs' per-step curves (test_top1 has none: a diverged run is not evaluated again).
 * A curve with no finite value at all has no stop to mark (the subtitle still names its run).
 */
export function curveStops(store: RunStore, runs: readonly CurveSeries[], metrics: readonly string[]): CurveStop[] {
  const stops: CurveStop[] = [];
  for (const { run, series } of runs) {
    if (run.status !== "diverged") continue;
    for (const metric of metrics) {
      if (metric === TEST_TOP1_CURVE) continue;
      const finite = store
        .metrics(run.id, metric)
        .filter((m) => m.value !== null && Number.isFinite(m.value) && displayStep(m.step) <= run.steps_done);
      const last = finite[finite.length - 1];
      if (last) stops.push({ run_id: run.id, series, metric, step: run.steps_done, value: last.value as number });
    }
  }
  return stops;
}

/**
 * Subtitle line naming the diverged runs among curves, or null: their curves stop at the step they diverged
 * (counted from 1, as the run's message says), marked ✕: "curves stop where 3 runs diverged (✕): at step 2 run 1,
 * 4; at step 5 run 9". `marked`: whether the figure draws the ✕.
 */
export function stoppedCurvesNote(runs: readonly StoredRun[], marked = true): string | null {
  const diverged = runs.filter((r) => r.status === "diverged");
  if (!diverged.length) return null;
  const byStep = new Map<number, number[]>();
  for (const r of diverged) byStep.set(r.steps_done, [...(byStep.get(r.steps_done) ?? []), r.id]);
  const at = [...byStep.entries()]
    .sort(([a], [b]) => a - b)
    .map(([step, ids]) => `at step ${step} run ${ids.join(", ")}`);
  const n = diverged.length === 1 ? "1 run" : `${diverged.length} runs`;
  return `curves stop where ${n} diverged${marked ? " (✕)" : ""}: ${at.join("; ")}`;
}

/** The points of the curves: per metric (each with its own range), series and step, the seeds' mean and band. */
export function curvePoints(rows: readonly RunRow[], metrics: readonly string[], band: BandKind): AggregatedPoint[] {
  return metrics.flatMap((metric) =>
    aggregate(
      rows.filter((r) => r.metric === metric),
      ["series", "metric", "step"],
      "value",
      { kind: band, range: metricRange(metric) },
    ),
  );
}

/** The range the band note names: the metrics' one range when they share it, else none ("the metric's range"). */
export function curvesRange(metrics: readonly string[]): MetricRange | null {
  const ranges = [...new Set(metrics.map((m) => JSON.stringify(metricRange(m))))];
  return ranges.length === 1 ? metricRange(metrics[0] as string) : null;
}

export interface CurvesChart {
  title: string;
  subtitle: string[];
  /** From curvePoints. */
  points: readonly AggregatedPoint[];
  band: BandKind;
  metrics: readonly string[];
  seriesTitle: string;
  seriesOrder?: readonly string[];
  /** Diverged runs' curve stops, marked with a cross. */
  stops?: readonly CurveStop[];
}

/** A stop as a data row: drawn at its own value (`stop_value`), kept out of the mean lines by that field. */
function stopRows(stops: readonly CurveStop[]) {
  return stops.map((s) => ({
    series: s.series,
    metric: s.metric,
    step: s.step,
    stop_value: s.value,
    run_id: s.run_id,
  }));
}

function seriesColor(chart: CurvesChart) {
  return {
    field: "series",
    type: "nominal" as const,
    title: chart.seriesTitle,
    ...(chart.seriesOrder ? { sort: [...chart.seriesOrder] } : {}),
    scale: seriesScale(new Set(chart.points.map((p) => p.series)).size),
    // Solid symbols: vega would take the faint band's or seed points' opacity for the legend.
    legend: { symbolOpacity: 1 },
  };
}

// Steps are whole numbers: ticks at integers only, written without decimals (not 0.0, 0.2, …).
const STEP_X = {
  field: "step",
  type: "quantitative" as const,
  title: "optimizer step",
  axis: { tickMinStep: 1, format: "d" },
};
const CURVE = { filter: "datum.stop_value == null" };

type SeriesColor = ReturnType<typeof seriesColor>;

/** Where a diverged run's curve stops: a cross at its last value, at the step it diverged. */
function stopLayer(color: SeriesColor) {
  return {
    transform: [{ filter: "datum.stop_value != null" }],
    mark: { type: "point" as const, shape: "cross", filled: true, size: 90, strokeWidth: 0 },
    encoding: {
      x: STEP_X,
      y: { field: "stop_value", type: "quantitative" as const, title: null },
      color,
      tooltip: [
        { field: "series", type: "nominal" as const },
        { field: "run_id", type: "quantitative" as const, title: "run" },
        { field: "step", type: "quantitative" as const, title: "diverged at step" },
      ],
    },
  };
}

/** Steps with fewer than 3 seeds: the seeds themselves, small, instead of a band (none with --band none). */
function seedLayers(color: SeriesColor, band: BandKind) {
  if (band === "none") return [];
  return [
    {
      transform: [CURVE, { filter: "datum.lo == null && datum.n > 1" }, { flatten: ["seeds"], as: ["seed"] }],
      mark: { type: "point" as const, filled: true, size: 10, opacity: 0.6 },
      encoding: { x: STEP_X, y: { field: "seed", type: "quantitative" as const, title: null }, color },
    },
  ];
}

/** The layers of one metric's panel: mean line, band, seeds of steps too few for a band, evaluation points, stops. */
function curveLayers(color: SeriesColor, band: BandKind) {
  const x = STEP_X;
  return [
    {
      transform: [CURVE],
      mark: { type: "line" as const, strokeWidth: 1.5 },
      encoding: {
        x,
        y: { field: "mean", type: "quantitative" as const, title: null },
        color,
        tooltip: [
          { field: "series", type: "nominal" as const },
          { field: "step", type: "quantitative" as const },
          { field: "mean", type: "quantitative" as const, format: ".4f" },
          { field: "interval", type: "nominal" as const, title: BAND_LABEL[band] },
          { field: "n", type: "quantitative" as const, title: "seeds" },
        ],
      },
    },
    {
      // The band after the line, so the legend takes its symbols from the line; broken where a step has none.
      transform: [CURVE],
      mark: { type: "area" as const, opacity: 0.18, invalid: "break-paths-show-domains" as const },
      encoding: {
        x,
        y: { field: "lo", type: "quantitative" as const, title: null, scale: { zero: false } },
        y2: { field: "hi" },
        color,
      },
    },
    ...seedLayers(color, band),
    {
      // Evaluations are sparse (often only the last step): points keep a lone one visible.
      transform: [CURVE, { filter: { field: "metric", equal: TEST_TOP1_CURVE } }],
      mark: { type: "point" as const, filled: true, size: 40 },
      encoding: { x, y: { field: "mean", type: "quantitative" as const, title: null }, color },
    },
    stopLayer(color),
  ];
}

/**
 * One row of panels per metric (independent y scales), mean line and band per series (seeds as points where too
 * few for a band); crosses where runs diverged.
 */
export function curvesSpec(chart: CurvesChart): VegaLiteSpec {
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: { text: chart.title, subtitle: chart.subtitle },
    data: { values: [...chart.points.map((p) => ({ ...p })), ...stopRows(chart.stops ?? [])] },
    facet: { row: { field: "metric", type: "nominal", title: null, sort: [...chart.metrics] } },
    spec: {
      width: 520,
      height: 160,
      transform: [intervalText(chart.band, ".4f")],
      layer: curveLayers(seriesColor(chart), chart.band),
    },
    resolve: { scale: { y: "independent" } },
  };
}
