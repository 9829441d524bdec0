// The panels of a sweep's figure (sweepPlot.ts), as Vega-Lite layers over the rows of sweepFigureData.ts:
//   - the top-1 panels: a dot per seed, a line through their means, the unclipped baseline grey and dashed, a red
//     cross on a seed that diverged; a panel per value of the column and row axes;
//   - the loss panels: a line per value of the x axis, a panel per colour value and per other facet.
// Every line joins its points with straight segments: a smoothing would draw values no run had.
import { shortKey } from "./runRows.js";
import { type FigureRow, facetLabels } from "./sweepFigureData.js";
import { levelText, type SweepLayout } from "./sweepLayout.js";

/** The grey of the unclipped reference: no series colour, so it never reads as one of the series. */
const BASELINE_GREY = "#57606a";
/** Vega's text width estimate without a canvas: 0.8 × font size per character (vega-scenegraph). */
const textWidth = (text: string, fontSize: number) => Math.ceil(0.8 * text.length * fontSize);
const PANEL = { width: 220, height: 150, curveHeight: 110 };

/** A panel's width: wide enough for its column's header and for one category per value on a categorical x. */
function panelWidth(headers: readonly string[], xCategories: readonly string[]): number {
  const header = Math.max(0, ...headers.map((h) => textWidth(h, 11) + 16));
  const categories = xCategories.length * 18;
  return Math.max(PANEL.width, header, categories);
}

/** The label of the panel at `column` and `row` (either may be absent). */
const panelLabel = (column: string | null, row: string | null) => [column, row].filter((x) => x !== null).join(" · ");

/** Every panel's label, row by row: what the panels' headers say. */
function panelLabels(columns: readonly string[], rows: readonly string[]): string[] {
  if (!rows.length) return [...columns];
  return rows.flatMap((r) => (columns.length ? columns.map((c) => panelLabel(c, r)) : [r]));
}

/**
 * The facet of a chart with these column and row labels. Without rows: a column per value, its label on top. With
 * rows: panels wrapped `columns` to a line, each headed by its column and row label ("unclipped=… · B=64") — vega's
 * row headers written across sit in a header column as wide as the widest label of the whole figure, centred,
 * far from their row, and a long one would still meet its neighbour.
 */
function facetOf(columns: readonly string[], rows: readonly string[]) {
  const header = { labelFontSize: 11, labelLimit: 0 };
  if (!rows.length)
    return {
      facet: { column: { field: "column", type: "nominal" as const, title: null, sort: [...columns], header } },
    };
  return {
    transform: [{ calculate: "(datum.column != null ? datum.column + ' · ' : '') + datum.row", as: "panel" }],
    facet: { field: "panel", type: "nominal" as const, title: null, sort: panelLabels(columns, rows), header },
    columns: Math.max(1, columns.length),
  };
}

const isKind = (kind: string, baseline: boolean) => `datum.kind == '${kind}' && ${baseline ? "" : "!"}datum.baseline`;

/** The x encoding of the top-1 panels: numeric (log for a geometric grid, ticks at the grid's values) or categories. */
function top1X(layout: SweepLayout) {
  const title = layout.x.key ? `${layout.x.key}${layout.x.log ? " (log scale)" : ""}` : null;
  if (!layout.x.numeric) {
    const sort = layout.x.key ? (layout.levels.get(layout.x.key) ?? []).map(levelText) : ["all runs"];
    // Labels written upwards: one category's label is never wider than its step.
    return { field: "x", type: "ordinal" as const, title, sort, axis: { labelAngle: -90 } };
  }
  const values = (layout.levels.get(layout.x.key as string) ?? []).filter((v) => typeof v === "number");
  const scale = layout.x.log ? { type: "log" as const, base: 2 } : { zero: false };
  return {
    field: "x",
    type: "quantitative" as const,
    title,
    scale,
    // Ticks at the grid's own values; "~g" only on a log scale (on a linear one vega's tick format turns d3's
    // "~g" into "2e+1" for 16, as meanCiSpec notes), and a label that would meet its neighbour left out.
    axis: { values, ...(layout.x.log ? { format: "~g" } : {}), labelOverlap: "greedy" as const },
  };
}

const onAxis = "!datum.off_axis";

/** The encodings the top-1 layers share: x, y, colour and the two tooltips. */
function top1Encodings(layout: SweepLayout) {
  const y = {
    type: "quantitative" as const,
    title: "final test top-1",
    scale: { zero: false },
    axis: { format: ".0%" },
  };
  const colour = layout.colour
    ? {
        color: {
          field: "colour",
          type: "nominal" as const,
          title: shortKey(layout.colour),
          sort: (layout.levels.get(layout.colour) ?? []).map(levelText),
          scale: { scheme: "tableau10" },
        },
      }
    : {};
  const seedTip = [
    { field: "label", type: "nominal" as const, title: "run" },
    { field: "run_id", type: "quantitative" as const, title: "id" },
    { field: "top1", type: "quantitative" as const, format: ".2%", title: "top-1" },
    { field: "status", type: "nominal" as const },
  ];
  const pointTip = [
    { field: "mean", type: "quantitative" as const, format: ".2%", title: "mean top-1" },
    { field: "n", type: "quantitative" as const, title: "seeds" },
  ];
  return { x: top1X(layout), y, colour, seedTip, pointTip };
}

type Top1Encodings = ReturnType<typeof top1Encodings>;

/** The series: a dot per seed, and their mean per point (joined by straight segments on a numeric x). */
function seriesLayers(layout: SweepLayout, e: Top1Encodings) {
  return [
    {
      transform: [{ filter: `${isKind("seed", false)} && ${onAxis}` }],
      mark: { type: "point" as const, size: 22, opacity: 0.55 },
      encoding: { x: e.x, y: { field: "top1", ...e.y }, ...e.colour, tooltip: e.seedTip },
    },
    {
      transform: [{ filter: `${isKind("point", false)} && ${onAxis}` }],
      // Straight segments between the points (a smoothing would draw values no run had); no line across categories.
      mark: layout.x.numeric
        ? { type: "line" as const, interpolate: "linear" as const, point: { filled: true, size: 40 } }
        : { type: "point" as const, filled: true, size: 60 },
      encoding: { x: e.x, y: { field: "mean", ...e.y }, ...e.colour, tooltip: e.pointTip },
    },
  ];
}

/**
 * The unclipped baseline, grey and dashed: where x cannot place it (x is λ), a rule at its mean across the panel
 * with a faint rule per seed, so that the reference shows its spread too; where it can, a line along x.
 */
function baselineLayers(data: readonly FigureRow[], e: Top1Encodings) {
  const dashed = { color: BASELINE_GREY, strokeDash: [6, 4] };
  const offAxis = data.some((r) => r.baseline === true && r.off_axis === true);
  const along = data.some((r) => r.baseline === true && r.off_axis === false);
  return [
    ...(offAxis
      ? [
          {
            transform: [{ filter: `${isKind("seed", true)} && datum.off_axis` }],
            mark: { type: "rule" as const, color: BASELINE_GREY, opacity: 0.35, strokeWidth: 1 },
            encoding: { y: { field: "top1", ...e.y }, tooltip: e.seedTip },
          },
          {
            transform: [{ filter: `${isKind("point", true)} && datum.off_axis` }],
            mark: { type: "rule" as const, ...dashed, strokeWidth: 1.5 },
            encoding: { y: { field: "mean", ...e.y }, tooltip: e.pointTip },
          },
        ]
      : []),
    ...(along
      ? [
          {
            transform: [{ filter: `${isKind("point", true)} && ${onAxis}` }],
            mark: {
              type: "line" as const,
              interpolate: "linear" as const,
              ...dashed,
              point: { filled: true, size: 30, color: BASELINE_GREY },
            },
            encoding: { x: e.x, y: { field: "mean", ...e.y }, tooltip: e.pointTip },
          },
        ]
      : []),
  ];
}

/** A red cross on each seed that diverged (drawn at chance top-1); only when one did (an empty layer warns). */
function divergedLayers(data: readonly FigureRow[], e: Top1Encodings) {
  if (!data.some((r) => r.kind === "seed" && r.status === "diverged" && r.off_axis === false)) return [];
  return [
    {
      transform: [{ filter: `datum.kind == 'seed' && datum.status == 'diverged' && ${onAxis}` }],
      mark: { type: "point" as const, shape: "cross", size: 90, filled: true, color: "#cf222e" },
      encoding: { x: e.x, y: { field: "top1", ...e.y }, tooltip: e.seedTip },
    },
  ];
}

/** The top-1 panels: seeds, their means, the baseline, diverged seeds; a panel per column and row value. */
export function top1Chart(layout: SweepLayout, data: readonly FigureRow[]) {
  const e = top1Encodings(layout);
  const layer = [...seriesLayers(layout, e), ...baselineLayers(data, e), ...divergedLayers(data, e)];
  const columns = layout.column ? facetLabels(layout, [layout.column]) : [];
  const rows = facetLabels(layout, layout.rows);
  const xCats = layout.x.numeric ? [] : layout.x.key ? (layout.levels.get(layout.x.key) ?? []) : ["all runs"];
  const size = { width: panelWidth(panelLabels(columns, rows), xCats.map(String)), height: PANEL.height };
  const body = { data: { values: data }, title: "final test top-1" };
  if (!columns.length && !rows.length) return { ...body, ...size, layer };
  return { ...body, ...facetOf(columns, rows), spec: { ...size, layer } };
}

/** The loss panels: one line per x value, a column per colour value, a row per other facet. */
export function lossChart(layout: SweepLayout, data: readonly FigureRow[]) {
  const columns = layout.colour ? facetLabels(layout, [layout.colour]) : [];
  const rows = facetLabels(layout, [...(layout.column ? [layout.column] : []), ...layout.rows]);
  const lines = layout.x.key ? (layout.levels.get(layout.x.key) ?? []).map(levelText) : ["all runs"];
  const x = { field: "examples", type: "quantitative" as const, title: "training examples seen" };
  const y = { field: "loss", type: "quantitative" as const, title: "training loss", scale: { zero: false } };
  const tooltip = [
    { field: "line", type: "nominal" as const, title: layout.x.key ?? "runs" },
    { field: "loss", type: "quantitative" as const, format: ".4f" },
    { field: "n", type: "quantitative" as const, title: "seeds" },
  ];
  const greyLine = "datum.baseline && datum.off_axis";
  // One line per point (detail: its condition), straight segments between logged steps: nothing in between.
  const line = { type: "line" as const, interpolate: "linear" as const, strokeWidth: 1.5 };
  const layer = [
    {
      transform: [{ filter: `!(${greyLine})` }],
      mark: line,
      encoding: {
        x,
        y,
        detail: { field: "cond", type: "nominal" as const },
        color: {
          field: "line",
          type: "ordinal" as const,
          title: layout.x.key ? shortKey(layout.x.key) : "runs",
          sort: lines,
          scale: { scheme: layout.x.numeric ? "viridis" : "tableau10" },
        },
        strokeDash: { condition: { test: "datum.baseline", value: [6, 4] }, value: [1, 0] },
        tooltip,
      },
    },
    ...(data.some((r) => r.baseline === true && r.off_axis === true)
      ? [
          {
            transform: [{ filter: greyLine }],
            mark: { ...line, color: BASELINE_GREY, strokeDash: [6, 4] },
            encoding: { x, y, detail: { field: "cond", type: "nominal" as const }, tooltip },
          },
        ]
      : []),
  ];
  const size = { width: panelWidth(panelLabels(columns, rows), []), height: PANEL.curveHeight };
  const body = { data: { values: data }, title: "training loss (mean over seeds)" };
  if (!columns.length && !rows.length) return { ...body, ...size, layer };
  return { ...body, ...facetOf(columns, rows), spec: { ...size, layer } };
}
