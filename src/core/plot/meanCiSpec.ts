// The chart every AGC figure is made of: one line per series through the mean over seeds, its band (bands.ts: the
// chosen interval, cut at the metric's range) as an area and as a bar at each point (a series of one x level has no
// area to show), the seeds of a group too small for a band as points with their range, points marked where runs
// diverged, optionally one panel per value of a column key. Conditions the x axis cannot place (no clipping,
// λ = null, or a value ≤ 0 on a log axis) are drawn as dashed horizontal rules at their mean, in their series'
// color, so that no run is silently left out of the figure.
import type { AggregatedPoint, BandChoice } from "./aggregate.js";
import { BAND_LABEL, type BandKind, MIN_SEEDS_FOR_BAND } from "./bands.js";
import type { VegaLiteSpec } from "./render.js";
import { seriesScale } from "./seriesColours.js";

export const VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";

export interface AxisSpec {
  field: string;
  title: string;
  /** log for λ and batch size (the paper's grids are geometric). */
  scale?: "linear" | "log";
  /** ordinal for text values on the x axis (a model name); quantitative by default. */
  type?: "quantitative" | "ordinal";
  /** d3 format, e.g. ".0%" for top-1. */
  format?: string;
}

export interface MeanCiChart {
  title: string;
  subtitle: string[];
  points: readonly AggregatedPoint[];
  x: AxisSpec;
  /** Titles and format of the mean (the y field is always `mean`, `lo`, `hi`). */
  y: Omit<AxisSpec, "field">;
  /** The band the points were aggregated with (its name goes in the tooltips). */
  band: BandChoice;
  color?: { field: string; title: string | null; sort?: readonly string[] };
  column?: { field: string; title: string; sort?: readonly string[] };
  /**
   * Points whose x the axis cannot place (x null, or ≤ 0 on a log scale): each is drawn as a dashed rule at its
   * mean across the panel. The subtitle should say what they are (see plotSelection).
   */
  offAxis?: readonly AggregatedPoint[];
  /** Text written on each dashed rule, at the panel's right end ("no clipping"). */
  offAxisLabel?: string;
  /**
   * Series drawn side by side around each x value instead of on one vertical line, so that their intervals do not
   * hide each other (a log x only: each series moved by DODGE_OCTAVES of an octave; ticks and tooltips keep x).
   */
  dodge?: boolean;
  width?: number;
  height?: number;
}

/** A field reference for a flat key: Vega-Lite reads "." and "[" as nested access, so they are escaped. */
export function fieldRef(key: string): string {
  return key.replace(/[.[\]]/g, (c) => `\\${c}`);
}

function xLevels(chart: MeanCiChart): number[] {
  const values = chart.points.map((p) => p[chart.x.field]).filter((v): v is number => typeof v === "number");
  return [...new Set(values)].sort((a, b) => a - b);
}

function scaleOf(axis: { scale?: "linear" | "log" }, zero: boolean) {
  return axis.scale === "log" ? { type: "log" as const, base: 2 } : { zero };
}

type XEncoding = ReturnType<typeof xEncoding>;
type ColorEncoding = ReturnType<typeof colorEncoding>;
type Tooltip = ReturnType<typeof tooltipOf>;

/** How far apart, in octaves of a log x, dodged series are drawn (chart.dodge). */
export const DODGE_OCTAVES = 0.12;
/** The field a dodged chart places its points by. */
const DODGED_X = "x_dodged";

const dodged = (chart: MeanCiChart) =>
  chart.dodge === true && chart.x.scale === "log" && chart.color !== undefined && seriesCount(chart) > 1;

function xEncoding(chart: MeanCiChart) {
  if (chart.x.type === "ordinal")
    return { field: fieldRef(chart.x.field), type: "ordinal" as const, title: chart.x.title };
  return {
    field: dodged(chart) ? DODGED_X : fieldRef(chart.x.field),
    type: "quantitative" as const,
    title: chart.x.title,
    scale: scaleOf(chart.x, false),
    // On a log scale, ticks at the grid's own values (λ = 0.01, 0.04, …) read better than powers of two. On a
    // linear scale vega's own tick format (d3's "~g" there wrote 100 as "1e+2").
    axis:
      chart.x.scale === "log"
        ? { values: xLevels(chart), format: chart.x.format ?? "~g" }
        : chart.x.format
          ? { format: chart.x.format }
          : {},
  };
}

/** How many series a chart's colour tells apart. */
export function seriesCount(chart: Pick<MeanCiChart, "color" | "points" | "offAxis">): number {
  const field = chart.color?.field;
  if (!field) return 1;
  return new Set([...chart.points, ...(chart.offAxis ?? [])].map((p) => JSON.stringify(p[field] ?? null))).size;
}

/** `{ color }` to spread into an encoding, or nothing when the chart has one series. */
function colorEncoding(chart: MeanCiChart) {
  if (!chart.color) return {};
  return {
    color: {
      field: fieldRef(chart.color.field),
      type: "nominal" as const,
      title: chart.color.title,
      ...(chart.color.sort ? { sort: [...chart.color.sort] } : {}),
      scale: seriesScale(seriesCount(chart)),
    },
  };
}

function tooltipOf(chart: MeanCiChart) {
  const format = chart.y.format ?? ".4f";
  return [
    ...(chart.color
      ? [{ field: fieldRef(chart.color.field), type: "nominal" as const, title: chart.color.field }]
      : []),
    ...(chart.column
      ? [{ field: fieldRef(chart.column.field), type: "nominal" as const, title: chart.column.field }]
      : []),
    { field: fieldRef(chart.x.field), type: chart.x.type ?? ("quantitative" as const), title: chart.x.field },
    { field: "mean", type: "quantitative" as const, format, title: "mean" },
    { field: "interval", type: "nominal" as const, title: BAND_LABEL[chart.band.kind] },
    { field: "n", type: "quantitative" as const, title: "seeds" },
    { field: "n_diverged", type: "quantitative" as const, title: "diverged" },
    { field: "n_collapsed", type: "quantitative" as const, title: "collapsed" },
  ];
}

/**
 * The tooltip's text for the band (a calculate transform): "77.0% – 81.0%", or why there is none. Never a
 * zero-width interval for one seed, never a number formatted from a missing bound.
 */
export function intervalText(band: BandKind, format: string): { calculate: string; as: string } {
  const fmt = (field: string) => `format(datum.${field}, '${format}')`;
  const few =
    band === "none"
      ? "'not drawn (--band none)'"
      : `'none under ${MIN_SEEDS_FOR_BAND} seeds; seeds ' + ${fmt("min")} + ', ' + ${fmt("max")}`;
  return {
    calculate:
      `datum.lo != null ? ${fmt("lo")} + ' – ' + ${fmt("hi")} + (datum.cut ? ' (cut at the range)' : '') : ` +
      `datum.n == 1 ? 'one seed: no interval' : ${few}`,
    as: "interval",
  };
}

/**
 * The mean line, then, for the points the x axis places: the band as an area (broken where a point has none) and
 * as a bar at each point; the seeds of groups too small for a band as hollow points joined by their range.
 * Each layer only when some point needs it (an empty layer makes vega warn about an infinite extent).
 */
function lineAndBand(chart: MeanCiChart, x: XEncoding, color: ColorEncoding, tooltip: Tooltip) {
  const onAxis = { filter: "!datum.off_axis" };
  const yAxis = chart.y.format ? { format: chart.y.format } : {};
  const y = (field: string) => ({
    field,
    type: "quantitative" as const,
    title: chart.y.title,
    scale: scaleOf(chart.y, false),
    axis: yAxis,
  });
  const drawn = chart.points;
  const banded = { filter: "datum.lo != null" };
  const few = { filter: "datum.lo == null && datum.n > 1" };
  const anyBand = drawn.some((p) => p.lo !== null);
  const anyFew = chart.band.kind !== "none" && drawn.some((p) => p.lo === null && p.n > 1);
  const perGroup = new Set(["mean", "interval", "n_diverged", "n_collapsed"]);
  const seedTooltip = [
    ...tooltip.filter((t) => !perGroup.has(t.field)),
    { field: "seed", type: "quantitative" as const, format: chart.y.format ?? ".4f", title: "one seed" },
  ];
  return [
    {
      transform: [onAxis],
      mark: { type: "line" as const, point: true, strokeWidth: 2 },
      encoding: { x, y: y("mean"), ...color, tooltip },
    },
    // The band after the line, so the legend takes its symbols from the line.
    ...(anyBand
      ? [
          {
            transform: [onAxis],
            mark: { type: "area" as const, opacity: 0.18, invalid: "break-paths-show-domains" as const },
            encoding: { x, y: y("lo"), y2: { field: "hi" }, ...color },
          },
          {
            transform: [onAxis, banded],
            mark: { type: "rule" as const, strokeWidth: 1.5, opacity: 0.5 },
            encoding: { x, y: y("lo"), y2: { field: "hi" }, ...color },
          },
        ]
      : []),
    ...(anyFew
      ? [
          {
            transform: [onAxis, few],
            mark: { type: "rule" as const, strokeWidth: 1, strokeDash: [2, 2] },
            encoding: { x, y: y("min"), y2: { field: "max" }, ...color },
          },
          {
            transform: [onAxis, few, { flatten: ["seeds"], as: ["seed"] }],
            mark: { type: "point" as const, filled: false, size: 36, strokeWidth: 1.5 },
            encoding: { x, y: y("seed"), ...color, tooltip: seedTooltip },
          },
        ]
      : []),
  ];
}

/** Dashed rules at the mean of the points the x axis cannot place, each labelled when the chart names them. */
function offAxisRules(chart: MeanCiChart, color: ColorEncoding, tooltip: Tooltip) {
  const offAxis = [{ filter: "datum.off_axis" }];
  const y = { field: "mean", type: "quantitative" as const };
  const rule = {
    transform: offAxis,
    mark: { type: "rule" as const, strokeDash: [6, 4], strokeWidth: 2 },
    encoding: { y, ...color, tooltip: tooltip.filter((t) => t.field !== fieldRef(chart.x.field)) },
  };
  if (!chart.offAxisLabel) return [rule];
  const label = {
    transform: offAxis,
    mark: {
      type: "text" as const,
      text: chart.offAxisLabel,
      align: "right" as const,
      baseline: "bottom" as const,
      dy: -3,
    },
    encoding: { x: { value: "width" as const }, y, ...color },
  };
  return [rule, label];
}

/**
 * The markers of runs that did not train well, each only drawn when some point has one (an empty layer makes vega
 * warn about an infinite extent), and the subtitle lines that explain them.
 */
function outcomeMarkers(chart: MeanCiChart, x: XEncoding, tooltip: Tooltip) {
  // A cross where at least one seed diverged: the mean there counts those seeds at chance level.
  const divergedLayer = {
    transform: [{ filter: "datum.n_diverged > 0 && !datum.off_axis" }],
    mark: { type: "point" as const, shape: "cross", size: 120, filled: true, color: "#cf222e" },
    encoding: { x, y: { field: "mean", type: "quantitative" as const }, tooltip },
  };
  // A triangle where at least one seed collapsed (trained every step, ended at chance, or sat flat near ln C after a spike).
  const collapsedLayer = {
    transform: [{ filter: "datum.n_collapsed > 0 && !datum.off_axis" }],
    mark: { type: "point" as const, shape: "triangle-down", size: 110, filled: true, color: "#8250df" },
    encoding: { x, y: { field: "mean", type: "quantitative" as const }, tooltip },
  };
  const anyDiverged = chart.points.some((p) => p.n_diverged > 0);
  const anyCollapsed = chart.points.some((p) => (p.n_collapsed ?? 0) > 0);
  return {
    layers: [...(anyDiverged ? [divergedLayer] : []), ...(anyCollapsed ? [collapsedLayer] : [])],
    legend: [
      ...(anyDiverged ? ["✕: some seeds diverged (counted at chance top-1)"] : []),
      ...(anyCollapsed
        ? ["▼: some seeds collapsed (ended at chance, or sat flat near ln(classes) after a loss spike)"]
        : []),
    ],
  };
}

/** The drawn points, then the off-axis ones flagged `off_axis`. */
function dataValues(chart: MeanCiChart) {
  const points = chart.points.map((p) => ({ ...p }));
  const off = (chart.offAxis ?? []).map((p) => ({ ...p, off_axis: true }));
  if (!dodged(chart)) return [...points, ...off];
  // Each series moved by its place in the legend's order, centred on the true x.
  const field = chart.color?.field as string;
  const order = chart.color?.sort ?? [...new Set(points.map((p) => String(p[field])))];
  const mid = (order.length - 1) / 2;
  const place = (p: AggregatedPoint) => {
    const i = order.indexOf(String(p[field]));
    const x = p[chart.x.field];
    return typeof x === "number" && i >= 0 ? x * 2 ** (DODGE_OCTAVES * (i - mid)) : x;
  };
  return [...points.map((p) => ({ ...p, [DODGED_X]: place(p) })), ...off];
}

/** Mean line + band (or seeds) + diverged markers, faceted by `column` when given. */
export function meanCiSpec(chart: MeanCiChart): VegaLiteSpec {
  const x = xEncoding(chart);
  const color = colorEncoding(chart);
  const tooltip = tooltipOf(chart);
  const markers = outcomeMarkers(chart, x, tooltip);
  const layers = [
    ...lineAndBand(chart, x, color, tooltip),
    ...(chart.offAxis?.length ? offAxisRules(chart, color, tooltip) : []),
    ...markers.layers,
  ];
  const size = {
    width: chart.width ?? 360,
    height: chart.height ?? 260,
    transform: [intervalText(chart.band.kind, chart.y.format ?? ".4f")],
  };
  const header = {
    $schema: VEGA_LITE_SCHEMA,
    title: { text: chart.title, subtitle: [...chart.subtitle, ...markers.legend] },
    data: { values: dataValues(chart) },
    config: { legend: { labelLimit: 400 } },
  };
  if (!chart.column) return { ...header, ...size, layer: layers };
  return {
    ...header,
    facet: {
      column: {
        field: fieldRef(chart.column.field),
        type: "ordinal",
        title: chart.column.title,
        ...(chart.column.sort ? { sort: [...chart.column.sort] } : {}),
      },
    },
    spec: { ...size, layer: layers },
  };
}
