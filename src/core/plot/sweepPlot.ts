// The comparison plot of a sweep: training loss per step, one line per run, beside each run's final test top-1.
import type { RunStore, StoredRun } from "../store/runStore.js";
import { writeValue } from "../text/writtenForm.js";
import { stoppedCurvesNote } from "./curvesSpec.js";
import type { VegaLiteSpec } from "./render.js";
import { shortKey } from "./runRows.js";

/**
 * A short label for a run from the axis values that distinguish it: "λ=0.01 · B=64". Key names are shortened
 * (runRows' shortKey: agc.exclude → unclipped), values are written whole, so two runs never read the same.
 */
export function runLabel(point: Record<string, unknown>, run: StoredRun): string {
  const parts = Object.entries(point).map(([k, v]) => {
    if (k === "agc.lambda" && v === null) return "no clipping";
    if (k === "agc.granularity" && v === "none") return "no clipping";
    return `${shortKey(k)}=${writeValue(v)}`;
  });
  return parts.length ? [...new Set(parts)].join(" · ") : `run ${run.id}`;
}

export interface SweepPlotRun {
  run: StoredRun;
  label: string;
}

interface SweepPlotData {
  curves: { run: string; step: number; examples: number; loss: number }[];
  finals: { run: string; test_top1: number | null; status: string; note: string }[];
  devices: Set<string>;
}

/** Each run's finite losses, its final test top-1 (or its status) and the devices the runs ran on. */
function sweepPlotData(store: RunStore, runs: readonly SweepPlotRun[]): SweepPlotData {
  const data: SweepPlotData = { curves: [], finals: [], devices: new Set() };
  for (const { run, label } of runs) {
    for (const m of store.metrics(run.id, "loss")) {
      // x is examples seen (step × batch), so that runs of different batch sizes line up by epoch.
      if (m.value !== null && Number.isFinite(m.value)) {
        data.curves.push({
          run: label,
          step: m.step,
          examples: (m.step + 1) * run.config.train.batch_size,
          loss: m.value,
        });
      }
    }
    // A run without a test top-1 (diverged, failed, interrupted) gets no bar but its status written at 0, never a
    // false 0% bar.
    const top1 = run.summary?.test_top1 ?? null;
    data.finals.push({
      run: label,
      test_top1: top1,
      status: run.status,
      note: top1 === null || run.status === "collapsed" ? run.status : "",
    });
    if (run.environment)
      data.devices.add(`${run.environment.backend} ${run.environment.backend_version} on ${run.environment.device}`);
  }
  return data;
}

type RunColor = { readonly field: "run"; readonly type: "nominal"; readonly title: "run"; readonly sort: string[] };

function lossPanel(curves: SweepPlotData["curves"], color: RunColor) {
  return {
    width: 420,
    height: 260,
    title: "training loss",
    data: { values: curves },
    mark: { type: "line", interpolate: "monotone", strokeWidth: 1.5 },
    encoding: {
      x: { field: "examples", type: "quantitative", title: "training examples seen" },
      y: { field: "loss", type: "quantitative", title: "loss (label-smoothed CE)", scale: { zero: false } },
      color,
    },
  };
}

function top1Panel(finals: SweepPlotData["finals"], color: RunColor) {
  return {
    width: 220,
    height: 260,
    title: "final test top-1",
    data: { values: finals },
    encoding: { y: { field: "run", type: "nominal", sort: color.sort, title: null } },
    layer: [
      {
        transform: [{ filter: "datum.test_top1 != null" }],
        mark: { type: "bar" },
        encoding: {
          x: { field: "test_top1", type: "quantitative", title: "test top-1", axis: { format: ".0%" } },
          color: { ...color, legend: null },
          tooltip: [
            { field: "run", type: "nominal" },
            { field: "test_top1", type: "quantitative", format: ".2%" },
            { field: "status", type: "nominal" },
          ],
        },
      },
      {
        transform: [{ filter: "datum.test_top1 == null" }],
        mark: { type: "text", align: "left", dx: 3, color: "#cf222e" },
        encoding: { x: { datum: 0, type: "quantitative" }, text: { field: "note" } },
      },
    ],
  };
}

/** Loss curves (one line per run) and final test top-1 per run, with the backend and device in the subtitle. */
export function sweepComparisonSpec(store: RunStore, title: string, runs: readonly SweepPlotRun[]): VegaLiteSpec {
  const { curves, finals, devices } = sweepPlotData(store, runs);
  const color: RunColor = { field: "run", type: "nominal", title: "run", sort: runs.map((r) => r.label) };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: title,
      subtitle: [
        [...devices].join("; ") || "no environment recorded",
        stoppedCurvesNote(
          runs.map((r) => r.run),
          false,
        ),
      ].filter((l): l is string => l !== null),
    },
    hconcat: [lossPanel(curves, color), top1Panel(finals, color)],
  } as VegaLiteSpec;
}
