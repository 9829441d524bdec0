// `nfx plot`: a run field (config key or summary metric) against another, or per-step curves, over a selection of
// stored runs; color and column by config keys; seed replicates folded into mean and band (bands.ts: --band, cut
// at the metric's range, seeds as points under 3 seeds).
//
// Three rules keep the figure honest about its runs:
// - Only runs that differ in nothing but the seed are pooled: when the runs of one color (or of the whole plot)
//   differ in another config key, the series are split by it too, and the subtitle names it.
// - Every run the subtitle counts is drawn or named as left out: a condition the x axis cannot place (λ = none on
//   any axis, x ≤ 0 on a log axis) is drawn as a dashed rule at its mean; runs without the y value (a diverged run
//   has no test_top1) are counted in the subtitle with the reason.
// - Legends, panels and axes read numbers numerically (B=64 before B=256).

import { keysDifferingWithin } from "../store/groupRuns.js";
import type { RunStore, StoredRun } from "../store/runStore.js";
import { didYouMean } from "../text/didYouMean.js";
import { writeValue } from "../text/writtenForm.js";
import { type AggregatedPoint, aggregate } from "./aggregate.js";
import { type BandKind, bandNote, DEFAULT_BAND, metricRange } from "./bands.js";
import {
  curvePoints,
  curveRows,
  curveStops,
  curvesRange,
  curvesSpec,
  stoppedCurvesNote,
  TEST_TOP1_CURVE,
} from "./curvesSpec.js";
import { meanCiSpec, seriesCount } from "./meanCiSpec.js";
import type { VegaLiteSpec } from "./render.js";
import {
  devicesSubtitle,
  levelLabels,
  type RunRow,
  rowLabel,
  seriesOfRows,
  shortKey,
  withoutDetermined,
} from "./runRows.js";
import { selectRuns } from "./selectRuns.js";
import { seriesNote } from "./seriesColours.js";

/** The x of per-step curves. */
export const STEP = "step";

/** What `--y` means when not given: the figure's top-1 for field plots, the training loss for per-step curves. */
export const DEFAULT_Y = "top1";
export const DEFAULT_STEP_Y = "loss";

/**
 * The two top-1s a user chooses between, for help texts and errors: `top1` is the figures' outcome (a completed
 * run's test top-1, a diverged run at chance level, so that instability shows); `test_top1` is the stored test
 * top-1, which a diverged run does not have.
 */
export const TOP1_HELP =
  "top1 counts a diverged run at chance level (the figures' outcome); test_top1 is the measured test top-1, which diverged runs lack";

export interface PlotRequest {
  x: string;
  /** One field for x-against-y plots; one or more metrics for per-step curves. Empty: the default for the mode. */
  y: readonly string[];
  color?: string;
  column?: string;
  /** A `--where` expression over run fields; empty: all finished runs. */
  where?: string;
  logX?: boolean;
  /** The band around means over seeds (bands.ts); default DEFAULT_BAND, set once in plotSpec. */
  band?: BandKind;
}

/** A request with its defaults in place. */
type Resolved = PlotRequest & { band: BandKind };

function describeSelection(where: string | undefined): string {
  return where?.trim() ? `runs where ${where.trim()}` : "all finished runs";
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Text for keys that name a series or a panel, in nfx's written form (null reads "none"). */
function asLabel(rows: readonly RunRow[], key: string): RunRow[] {
  return rows.map((r) => ({ ...r, [key]: writeValue(r[key]) }));
}

/** An error for a field no selected run has: the fields there are, and the closest one. */
function unknownField(flag: string, key: string, known: readonly string[], extra = "", also: string[] = []): Error {
  const hint = didYouMean(key, [...also, ...known]);
  return new Error(
    `${flag} ${key}: no selected run has this field${hint ? ` (did you mean '${hint}'?)` : ""}${extra}; ` +
      `fields: ${known.join(", ")}`,
  );
}

/** Fields worth listing in an error: those that vary across the runs, the metrics, then the constant config keys. */
function listedFields(rows: readonly RunRow[]): string[] {
  const all = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const varies = (k: string) => new Set(rows.map((r) => JSON.stringify(r[k] ?? null))).size > 1;
  const metrics = ["top1", "test_top1", "final_loss", "images_per_s", "steps", "duration_s", "status", "run_id"];
  const varying = all.filter((k) => varies(k) && !metrics.includes(k)).sort();
  const rest = all.filter((k) => !varies(k) && !metrics.includes(k)).sort();
  return [...varying, ...metrics.filter((m) => all.includes(m)), ...rest];
}

/** Per-step metric names stored for these runs, plus test_top1 when they have test evaluations. */
function stepMetrics(store: RunStore, runs: readonly StoredRun[]): string[] {
  const ids = runs.map((r) => r.id);
  const names = new Set<string>();
  const marks = ids.map(() => "?").join(",");
  for (const r of store.db.prepare(`SELECT DISTINCT name FROM metrics WHERE run_id IN (${marks})`).all(...ids))
    names.add((r as { name: string }).name);
  const evals = store.db
    .prepare(`SELECT COUNT(*) AS n FROM evals WHERE split = 'test' AND run_id IN (${marks})`)
    .get(...ids) as { n: number };
  if (evals.n > 0) names.add(TEST_TOP1_CURVE);
  return [...names].sort();
}

/** Subtitle line for series split by keys the user did not ask for. */
function splitNote(extra: readonly string[], color: string | undefined): string | null {
  if (!extra.length) return null;
  const what = color ? `runs of one ${color}` : "the runs";
  return `series split by ${extra.join(", ")}: ${what} differ in ${extra.length === 1 ? "it" : "them"}, and only seeds are pooled`;
}

function stepPlot(store: RunStore, req: Resolved, selected: readonly { run: StoredRun; row: RunRow }[]): VegaLiteSpec {
  if (req.column) throw new Error("--column: per-step curves are faceted by metric; use --color to split them");
  const runs = selected.map((s) => s.run);
  // top1 per step is the test top-1 of the evaluations (a diverged run has none).
  const metrics = (req.y.length ? req.y : [DEFAULT_STEP_Y]).map((m) => (m === DEFAULT_Y ? TEST_TOP1_CURVE : m));
  const available = stepMetrics(store, runs);
  for (const m of metrics) {
    if (!available.includes(m)) {
      const hint = didYouMean(m, available);
      throw new Error(
        `--y ${m}: not a per-step metric of the selected runs${hint ? ` (did you mean '${hint}'?)` : ""}; ` +
          `per-step metrics: ${available.join(", ")}`,
      );
    }
  }
  const rowOf = new Map(selected.map((s) => [s.run, s.row]));
  const colorOf = (r: StoredRun) => JSON.stringify(req.color ? (rowOf.get(r)?.[req.color] ?? null) : null);
  const extra = withoutDetermined(
    selected.map((s) => s.row),
    keysDifferingWithin(runs, colorOf).filter((k) => k !== req.color),
    req.color ? [req.color] : [],
  );
  const keys = [...(req.color ? [req.color] : []), ...extra];
  const { labels, order } = seriesOfRows(
    selected.map((s) => s.row),
    keys,
  );
  const series = runs.map((run, i) => ({ run, series: labels[i] as string }));
  const rows = curveRows(store, series, metrics);
  const stops = curveStops(store, series, metrics);
  const drawnIds = new Set(rows.map((r) => r.run_id));
  const notDrawn = runs.filter((r) => !drawnIds.has(r.id));
  const points = curvePoints(rows, metrics, req.band);
  const subtitle = [
    `${plural(runs.length, "run")}; ${bandNote(points, req.band, curvesRange(metrics), "line")}`,
    splitNote(req.color ? extra : [], req.color),
    seriesNote(new Set(labels).size),
    stoppedCurvesNote(runs),
    notDrawn.length
      ? `not drawn: ${plural(notDrawn.length, "run")} without per-step ${metrics.join(" or ")} (run ${notDrawn.map((r) => r.id).join(", ")})`
      : null,
    devicesSubtitle(runs),
  ].filter((l): l is string => l !== null);
  return curvesSpec({
    title: `${metrics.join(", ")} per step: ${describeSelection(req.where)}`,
    subtitle,
    points,
    band: req.band,
    metrics,
    seriesTitle: keys.length ? keys.map(shortKey).join(" · ") : "runs",
    seriesOrder: order,
    stops,
  });
}

/** Why a run has no y value, for the subtitle. */
function missingReason(rows: readonly RunRow[], y: string): string {
  const diverged = rows.filter((r) => r.diverged === true).length;
  const other = rows.length - diverged;
  const parts = [
    diverged ? `${plural(diverged, "diverged run")} without ${y}` : null,
    other ? `${plural(other, "run")} without ${y}` : null,
  ].filter((p): p is string => p !== null);
  const hint = diverged && y === "test_top1" ? " (--y top1 counts a diverged run at chance level)" : "";
  return `not drawn: ${parts.join(", ")} (run ${rows.map((r) => r.run_id).join(", ")})${hint}`;
}

type Selected = readonly { run: StoredRun; row: RunRow }[];

/** The series of a field plot: by --color, and split by any config key that differs among would-be seeds. */
interface FieldSeries {
  /** Keys the series were split by that the user did not ask for. */
  extra: string[];
  /** --color, then `extra`. */
  keys: string[];
  /** The color field: "series" when split, else --color (undefined: one series). */
  field: string | undefined;
  /** The runs' rows, with the series' and panels' labels. */
  rows: RunRow[];
  colorSort: string[] | undefined;
  columnSort: string[] | undefined;
}

function fieldSeries(req: PlotRequest, selected: Selected): FieldSeries {
  const runs = selected.map((s) => s.run);
  // Split the series by any config key that differs among runs that would otherwise be pooled as seeds.
  const chosen = [req.color, req.column, req.x].filter((k): k is string => k !== undefined);
  const rowOf = new Map(selected.map((s) => [s.run, s.row]));
  const groupOf = (r: StoredRun) => JSON.stringify(chosen.map((k) => rowOf.get(r)?.[k] ?? null));
  const extra = withoutDetermined(
    selected.map((s) => s.row),
    keysDifferingWithin(runs, groupOf).filter((k) => !chosen.includes(k)),
    chosen,
  );
  const keys = [...(req.color ? [req.color] : []), ...extra];
  const field = extra.length ? "series" : req.color;

  let rows = selected.map((s) => s.row);
  const seriesSort = field
    ? seriesOfRows(
        selected.map((s) => s.row),
        keys,
      ).order
    : undefined;
  if (extra.length) rows = rows.map((r) => ({ ...r, series: rowLabel(r, keys) }));
  const colorSort = extra.length ? seriesSort : req.color ? levelLabels(rows, req.color) : undefined;
  const columnSort = req.column ? levelLabels(rows, req.column) : undefined;
  if (req.color && !extra.length) rows = asLabel(rows, req.color);
  if (req.column) rows = asLabel(rows, req.column);
  return { extra, keys, field, rows, colorSort, columnSort };
}

/** What a field plot draws: points the x axis places, dashed rules for those it cannot, and rows without y. */
interface FieldPoints {
  numericX: boolean;
  missing: RunRow[];
  onRows: RunRow[];
  offRows: RunRow[];
  points: AggregatedPoint[];
  offPoints: AggregatedPoint[];
}

function fieldPoints(req: Resolved, y: string, series: FieldSeries): FieldPoints {
  const { rows } = series;
  // Runs without a y value cannot be drawn: they are named in the subtitle.
  const hasY = (r: RunRow) => typeof r[y] === "number" && Number.isFinite(r[y]);
  const missing = rows.filter((r) => !hasY(r));
  const withY = rows.filter(hasY);
  const numericX = withY.every((r) => typeof r[req.x] === "number" || r[req.x] === null);
  // Conditions the x axis cannot place: drawn as dashed rules.
  const offAxis = (r: RunRow) => numericX && (r[req.x] === null || (req.logX === true && (r[req.x] as number) <= 0));
  const onRows = (numericX ? withY : asLabel(withY, req.x)).filter((r) => !offAxis(r));
  const offRows = withY.filter(offAxis);
  const groupKeys = [series.field, req.column].filter((k): k is string => k !== undefined);
  const band = { kind: req.band, range: metricRange(y) };
  const points = aggregate(onRows, [...groupKeys, req.x], y, band);
  const offPoints: AggregatedPoint[] = aggregate(offRows, groupKeys, y, band);
  if (!points.length && !offPoints.length) throw new Error(`--y ${y}: no selected run has a numeric value`);
  return { numericX, missing, onRows, offRows, points, offPoints };
}

function fieldSubtitle(
  req: Resolved,
  y: string,
  runs: readonly StoredRun[],
  series: FieldSeries,
  drawn: FieldPoints,
): string[] {
  const { offRows, missing } = drawn;
  const offValues = [...new Set(offRows.map((r) => writeValue(r[req.x])))];
  const clipping = req.x === "agc.lambda" && offRows.some((r) => r[req.x] === null) ? "no clipping, " : "";
  const offLine = offRows.length
    ? `dashed lines: ${clipping}${req.x} = ${offValues.join(", ")} (${plural(offRows.length, "run")}), which ` +
      `${req.logX ? "a log axis" : "the x axis"} cannot place`
    : null;
  const count = drawn.onRows.length + offRows.length;
  return [
    `${plural(runs.length, "run")}${missing.length ? `, ${count} drawn` : ""}; ${bandNote([...drawn.points, ...drawn.offPoints], req.band, metricRange(y), "point")}`,
    offLine,
    missing.length ? missingReason(missing, y) : null,
    splitNote(series.extra, req.color),
    series.field
      ? seriesNote(
          seriesCount({ color: { field: series.field, title: null }, points: drawn.points, offAxis: drawn.offPoints }),
        )
      : null,
    devicesSubtitle(runs),
  ].filter((l): l is string => l !== null);
}

/** A run field against another: mean and band per series, one panel per --column value. */
function fieldPlot(req: Resolved, y: string, selected: Selected): VegaLiteSpec {
  const runs = selected.map((s) => s.run);
  const series = fieldSeries(req, selected);
  const drawn = fieldPoints(req, y, series);
  return meanCiSpec({
    title: `${y} against ${req.x}: ${describeSelection(req.where)}`,
    subtitle: fieldSubtitle(req, y, runs, series, drawn),
    points: drawn.points,
    offAxis: drawn.offPoints,
    x: {
      field: req.x,
      title: req.x,
      scale: req.logX ? "log" : "linear",
      type: drawn.numericX ? "quantitative" : "ordinal",
    },
    y: y.endsWith("top1") ? { title: y, format: ".1%" } : { title: y },
    band: { kind: req.band, range: metricRange(y) },
    color: series.field
      ? {
          field: series.field,
          title: series.extra.length ? series.keys.map(shortKey).join(" · ") : (req.color as string),
          sort: series.colorSort,
        }
      : undefined,
    column: req.column ? { field: req.column, title: req.column, sort: series.columnSort } : undefined,
  });
}

export function plotSpec(store: RunStore, request: PlotRequest): VegaLiteSpec {
  const req: Resolved = { ...request, band: request.band ?? DEFAULT_BAND };
  const selected = selectRuns(store, req.where);
  if (!selected.length) throw new Error(`no finished run matches (${describeSelection(req.where)})`);
  const known = listedFields(selected.map((s) => s.row));
  for (const [flag, key] of [
    ["--color", req.color],
    ["--column", req.column],
  ] as const) {
    if (key !== undefined && !known.includes(key)) throw unknownField(flag, key, known);
  }

  if (req.x === STEP) return stepPlot(store, req, selected);

  if (req.y.length > 1) throw new Error("--y: give one field when --x is not step");
  const y = req.y[0] ?? DEFAULT_Y;
  if (!known.includes(req.x)) throw unknownField("--x", req.x, known, ` (or "${STEP}" for per-step curves)`, [STEP]);
  if (!known.includes(y)) throw unknownField("--y", y, known, /top/.test(y) ? ` (${TOP1_HELP})` : "");
  return fieldPlot(req, y, selected);
}
