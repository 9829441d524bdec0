// Training curves: per optimizer step, the mean over seeds (and its 95% band) of each chosen metric, one panel per
// metric and one line per series. Test top-1 comes from the evaluations, at the steps where the run evaluated.
import type { RunStore, StoredRun } from "../store/runStore.js";
import { aggregate } from "./aggregate.js";
import { VEGA_LITE_SCHEMA } from "./meanCiSpec.js";
import type { VegaLiteSpec } from "./render.js";
import type { RunRow } from "./runRows.js";

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

/** Long-format rows (series, metric, step, value, run_id) for the chosen metrics of each run. */
export function curveRows(store: RunStore, runs: readonly CurveSeries[], metrics: readonly string[]): RunRow[] {
  const rows: RunRow[] = [];
  for (const { run, series } of runs) {
    for (const metric of metrics) {
      if (metric === TEST_TOP1_CURVE) {
        for (const e of evalRows(store, run.id))
          rows.push({ series, metric, step: e.step, value: e.top1, run_id: run.id });
        continue;
      }
      for (const m of store.metrics(run.id, metric)) {
        if (m.value !== null && Number.isFinite(m.value))
          rows.push({ series, metric, step: m.step, value: m.value, run_id: run.id });
      }
    }
  }
  return rows;
}

export interface CurvesChart {
  title: string;
  subtitle: string[];
  rows: readonly RunRow[];
  metrics: readonly string[];
  seriesTitle: string;
  seriesOrder?: readonly string[];
}

/** One row of panels per metric (independent y scales), mean line and 95% band per series. */
export function curvesSpec(chart: CurvesChart): VegaLiteSpec {
  const points = aggregate(chart.rows, ["series", "metric", "step"], "value");
  // Steps are whole numbers: ticks at integers only, written without decimals (not 0.0, 0.2, …).
  const x = {
    field: "step",
    type: "quantitative" as const,
    title: "optimizer step",
    axis: { tickMinStep: 1, format: "d" },
  };
  const color = {
    field: "series",
    type: "nominal" as const,
    title: chart.seriesTitle,
    ...(chart.seriesOrder ? { sort: [...chart.seriesOrder] } : {}),
  };
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: { text: chart.title, subtitle: chart.subtitle },
    data: { values: points.map((p) => ({ ...p })) },
    facet: { row: { field: "metric", type: "nominal", title: null, sort: [...chart.metrics] } },
    spec: {
      width: 520,
      height: 160,
      layer: [
        {
          mark: { type: "line", strokeWidth: 1.5 },
          encoding: {
            x,
            y: { field: "mean", type: "quantitative", title: null },
            color,
            tooltip: [
              { field: "series", type: "nominal" },
              { field: "step", type: "quantitative" },
              { field: "mean", type: "quantitative", format: ".4f" },
              { field: "n", type: "quantitative", title: "seeds" },
            ],
          },
        },
        {
          // The band after the line, so the legend takes its symbols from the line.
          mark: { type: "area", opacity: 0.18 },
          encoding: {
            x,
            y: { field: "lo", type: "quantitative", title: null, scale: { zero: false } },
            y2: { field: "hi" },
            color,
          },
        },
        {
          // Evaluations are sparse (often only the last step): points keep a lone one visible.
          transform: [{ filter: { field: "metric", equal: TEST_TOP1_CURVE } }],
          mark: { type: "point", filled: true, size: 40 },
          encoding: { x, y: { field: "mean", type: "quantitative", title: null }, color },
        },
      ],
    },
    resolve: { scale: { y: "independent" } },
  };
}
