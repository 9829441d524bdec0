// Vega-Lite spec of a signal-propagation plot: one panel per statistic, x = residual block, with the β/α
// bookkeeping's expected variance drawn beside the measured one.
import {
  type SignalPropagation,
  type SignalPropagationOptions,
  signalPropagation,
} from "../models/signalPropagation.js";
import type { ModelSpec } from "../models/spec.js";
import { type FigureFormat, type VegaLiteSpec, type WrittenFigure, writeFigure } from "./render.js";

interface SppPoint {
  block: number;
  name: string;
  panel: string;
  series: string;
  value: number;
}

const PANELS = {
  variance: "block output: avg channel variance",
  sqMean: "block output: avg channel squared mean",
  residual: "residual branch: avg channel variance",
} as const;

export function sppPoints(spp: SignalPropagation, label = spp.model): SppPoint[] {
  const points: SppPoint[] = [];
  for (const b of spp.blocks) {
    const at = { block: b.index, name: b.name };
    points.push({ ...at, panel: PANELS.variance, series: label, value: b.avgVar });
    points.push({ ...at, panel: PANELS.sqMean, series: label, value: b.avgSqMean });
    points.push({ ...at, panel: PANELS.residual, series: label, value: b.residualVar });
    points.push({ ...at, panel: PANELS.variance, series: "expected (β/α bookkeeping)", value: b.expectedVar });
  }
  return points;
}

/** One or more SPP runs (e.g. with and without WS) in one figure. */
export function sppSpec(runs: { spp: SignalPropagation; label?: string }[], title: string): VegaLiteSpec {
  const values = runs.flatMap((r) => sppPoints(r.spp, r.label));
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    title,
    data: { values },
    facet: { row: { field: "panel", type: "nominal", title: null, sort: Object.values(PANELS) } },
    spec: {
      width: 420,
      height: 140,
      mark: { type: "line", point: true },
      encoding: {
        x: { field: "block", type: "quantitative", title: "residual block", axis: { tickMinStep: 1 } },
        y: { field: "value", type: "quantitative", title: null },
        color: { field: "series", type: "nominal", title: null },
        strokeDash: { field: "series", type: "nominal", title: null },
        tooltip: [
          { field: "name", type: "nominal" },
          { field: "value", type: "quantitative", format: ".4f" },
        ],
      },
    },
    resolve: { scale: { y: "independent" } },
    // Panel names above their panels: rotated beside them, each is taller than its 140-px panel and runs into the
    // next one's (issue 27: `nfx spp`'s SVG had its panel titles overlap).
    config: { header: { labelOrient: "top", labelAngle: 0, labelAnchor: "start" } },
  };
}

export interface SppFigureOptions extends SignalPropagationOptions {
  /** Also run the same network without weight standardization, to show what WS prevents. */
  compareNoWs?: boolean;
  dir: string;
  /** File name without extension (default `spp-<model>`). */
  name?: string;
  /** Files to write (render.ts; default DEFAULT_FORMATS: json and svg). */
  formats?: readonly FigureFormat[];
}

export interface SppFigure {
  runs: { label: string; spp: SignalPropagation }[];
  figure: WrittenFigure;
}

/** Measures signal propagation at init and writes the figure (`<dir>/<name>.<format>` for each format). */
export async function sppFigure(spec: ModelSpec, opts: SppFigureOptions): Promise<SppFigure> {
  const runs = [{ label: spec.ws ? `${spec.name} (WS)` : `${spec.name} (no WS)`, spp: signalPropagation(spec, opts) }];
  if (opts.compareNoWs && spec.ws && spec.norm === "none") {
    runs.push({ label: `${spec.name} (no WS)`, spp: signalPropagation({ ...spec, ws: false }, opts) });
  }
  const first = runs[0]?.spp;
  const title = `Signal propagation at init: ${spec.name}, ${first?.px ?? spec.trainPx}px, batch ${first?.batch ?? 0}`;
  const figure = await writeFigure(sppSpec(runs, title), opts.dir, opts.name ?? `spp-${spec.name}`, opts.formats);
  return { runs, figure };
}
