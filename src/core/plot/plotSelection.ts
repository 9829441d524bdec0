// `nfx plot`: a run field (config key or summary metric) against another, or per-step curves, over a selection of
// stored runs; color and column by config keys; seeds folded into mean and 95% band.
import type { RunStore } from "../store/runStore.js";
import { aggregate } from "./aggregate.js";
import { curveRows, curvesSpec } from "./curvesSpec.js";
import { meanCiSpec } from "./meanCiSpec.js";
import type { VegaLiteSpec } from "./render.js";
import { devicesSubtitle, type RunRow, seriesLabel, shortKey, varyingConfigKeys } from "./runRows.js";
import { selectRuns } from "./selectRuns.js";

/** The x of per-step curves. */
export const STEP = "step";

export interface PlotRequest {
  x: string;
  /** One field for x-against-y plots; one or more metrics for per-step curves. */
  y: readonly string[];
  color?: string;
  column?: string;
  /** A `--where` expression over run fields; empty: all finished runs. */
  where?: string;
  logX?: boolean;
}

function describeSelection(where: string | undefined): string {
  return where?.trim() ? `runs where ${where.trim()}` : "all finished runs";
}

/** Text for keys that name a series or a panel: null reads "none". */
function asLabel(rows: readonly RunRow[], key: string): RunRow[] {
  return rows.map((r) => ({ ...r, [key]: r[key] === null || r[key] === undefined ? "none" : String(r[key]) }));
}

export function plotSpec(store: RunStore, req: PlotRequest): VegaLiteSpec {
  const selected = selectRuns(store, req.where);
  if (!selected.length) throw new Error(`no finished run matches (${describeSelection(req.where)})`);
  const runs = selected.map((s) => s.run);
  const devices = devicesSubtitle(runs);
  const known = new Set(selected.flatMap((s) => Object.keys(s.row)));
  for (const [flag, key] of [
    ["--color", req.color],
    ["--column", req.column],
  ] as const) {
    if (key !== undefined && !known.has(key)) throw new Error(`${flag} ${key}: no selected run has this key`);
  }

  if (req.x === STEP) {
    if (req.column) throw new Error("--column: per-step curves are faceted by metric; use --color to split them");
    const keys = req.color ? [req.color] : varyingConfigKeys(runs);
    const series = runs.map((run) => ({ run, series: seriesLabel(run, keys) }));
    const rows = curveRows(store, series, req.y);
    const found = new Set(rows.map((r) => r.metric));
    const absent = req.y.filter((m) => !found.has(m));
    if (absent.length) throw new Error(`--y ${absent.join(",")}: no per-step values for the selected runs`);
    return curvesSpec({
      title: `${req.y.join(", ")} per step: ${describeSelection(req.where)}`,
      subtitle: [`${runs.length} runs; mean over seeds, band: 95% t-interval`, devices],
      rows,
      metrics: req.y,
      seriesTitle: keys.length ? keys.map(shortKey).join(" · ") : "runs",
    });
  }

  if (req.y.length !== 1) throw new Error("--y: give one field when --x is not step");
  const y = req.y[0] as string;
  for (const [flag, key] of [
    ["--x", req.x],
    ["--y", y],
  ] as const) {
    if (!known.has(key)) throw new Error(`${flag} ${key}: no selected run has this key`);
  }
  let rows = selected.map((s) => s.row);
  if (req.color) rows = asLabel(rows, req.color);
  if (req.column) rows = asLabel(rows, req.column);
  const numericX = rows.every((r) => typeof r[req.x] === "number" || r[req.x] === null);
  if (!numericX) rows = asLabel(rows, req.x);
  const keys = [req.color, req.column, req.x].filter((k): k is string => k !== undefined);
  const points = aggregate(rows, keys, y);
  if (!points.length) throw new Error(`--y ${y}: no selected run has a numeric value`);
  return meanCiSpec({
    title: `${y} against ${req.x}: ${describeSelection(req.where)}`,
    subtitle: [`${runs.length} runs; mean over seeds, band: 95% t-interval`, devices],
    points,
    x: { field: req.x, title: req.x, scale: req.logX ? "log" : "linear", type: numericX ? "quantitative" : "ordinal" },
    y: y.endsWith("top1") ? { title: y, format: ".1%", bounds: [0, 1] } : { title: y },
    color: req.color ? { field: req.color, title: req.color } : undefined,
    column: req.column ? { field: req.column, title: req.column } : undefined,
  });
}
