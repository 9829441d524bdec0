// The figure of a sweep, designed from its axes (sweepLayout.ts): final top-1 against the first numeric axis
// (log scale for λ), colour by the next, a panel per value of the rest; seeds pooled (a line through their mean,
// a dot per seed, n in the subtitle and tooltips); the unclipped baseline a grey dashed reference in every panel it
// matches. Below it, the loss curves of the same points, straight segments between the logged steps (no smoothing
// that would invent values between them). Steps:
//   1. the layout and the figure's data (sweepLayout.ts, sweepFigureData.ts);
//   2. the top-1 panels and 3. the loss panels (sweepPanels.ts); 4. the subtitle that says what is drawn and
//      counts every run.
import { inertKeys } from "../config/hash.js";
import type { RunStore, StoredRun } from "../store/runStore.js";
import { writeValue } from "../text/writtenForm.js";
import { stoppedCurvesNote } from "./curvesSpec.js";
import { VEGA_LITE_SCHEMA } from "./meanCiSpec.js";
import type { VegaLiteSpec } from "./render.js";
import { devicesSubtitle, shortKey } from "./runRows.js";
import { conditions, lossRows, top1Rows } from "./sweepFigureData.js";
import { type LayoutRun, type SweepLayout, sweepLayout } from "./sweepLayout.js";
import { lossChart, top1Chart } from "./sweepPanels.js";

/**
 * A short label for a run from the axis values that distinguish it: "λ=0.01 · B=64". Key names are shortened
 * (runRows' shortKey: agc.exclude → unclipped), values are written whole, so two runs never read the same. A key
 * that changes nothing in the run (config/inert.ts: the exclusions of a run that does not clip) is left out.
 */
export function runLabel(point: Record<string, unknown>, run: StoredRun): string {
  const inert = new Set(inertKeys(run.config));
  const parts = Object.entries(point)
    .filter(([k]) => !inert.has(k))
    .map(([k, v]) => {
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

/** "n = 2 seeds per point" or "n = 1–3 seeds per point"; "no point" for none. */
function seedsText(ns: readonly number[]): string {
  if (!ns.length) return "no point";
  const lo = Math.min(...ns);
  const hi = Math.max(...ns);
  return `n = ${lo === hi ? lo : `${lo}–${hi}`} seed${hi === 1 ? "" : "s"} per point`;
}

/** Step 4: what the figure draws, counting every run: drawn in a point, in the baseline, or named as not drawn. */
function subtitle(layout: SweepLayout, drawn: readonly LayoutRun[], runs: readonly StoredRun[]): string[] {
  const conds = conditions(layout, drawn);
  const main = conds.filter((c) => !c.runs[0]?.baseline);
  const base = conds.filter((c) => c.runs[0]?.baseline);
  const nMain = main.reduce((a, c) => a + c.runs.length, 0);
  const nBase = base.reduce((a, c) => a + c.runs.length, 0);
  const roles = [
    layout.x.key ? `x: ${layout.x.key}` : null,
    layout.colour ? `colour: ${layout.colour}` : null,
    layout.column ? `columns: ${layout.column}` : null,
    layout.rows.length ? `rows: ${layout.rows.join(" × ")}` : null,
  ].filter((l): l is string => l !== null);
  const notDrawn = runs.filter((r) => !drawn.some((d) => d.run.id === r.id));
  return [
    main.length
      ? `${drawn.length} of ${runs.length} runs drawn: ${nMain} in ${main.length} points (${seedsText(main.map((c) => c.runs.length))}; line: their mean, dots: each seed)`
      : `${drawn.length} of ${runs.length} runs drawn`,
    ...(base.length
      ? [
          `dashed: no clipping, ${nBase} runs in ${base.length} points (${seedsText(base.map((c) => c.runs.length))}), drawn in every panel it matches`,
        ]
      : []),
    `${roles.length ? roles.join(" · ") : "one point"} (axes from the ${layout.source}); loss: straight lines between logged steps`,
    ...(drawn.some((d) => d.run.status === "diverged") ? ["✕: a seed that diverged (counted at chance top-1)"] : []),
    ...(notDrawn.length ? [`not drawn: ${notDrawn.map((r) => `run ${r.id} (${r.status}, no top-1)`).join(", ")}`] : []),
    ...[stoppedCurvesNote(runs, false)].filter((l): l is string => l !== null),
    devicesSubtitle(runs),
  ];
}

/**
 * The sweep's figure. `axes`: the sweep file's axes in order (grid, zip, random keys); null: the keys the runs
 * differ in. A run without a top-1 (failed, interrupted) is named in the subtitle; a diverged one counts at chance.
 */
export function sweepComparisonSpec(
  store: RunStore,
  title: string,
  runs: readonly SweepPlotRun[],
  axes: readonly string[] | null = null,
): VegaLiteSpec {
  const stored = runs.map((r) => r.run);
  const layout = sweepLayout(stored, axes);
  const drawn = layout.runs.filter((r) => typeof r.row.top1 === "number");
  const labels = new Map(runs.map((r) => [r.run.id, r.label]));
  const top1 = top1Chart(layout, top1Rows(layout, drawn, labels));
  const loss = lossChart(layout, lossRows(store, layout, layout.runs));
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: { text: title, subtitle: subtitle(layout, drawn, stored), anchor: "start" },
    vconcat: [top1, loss],
    resolve: { scale: { color: "independent" }, legend: { color: "independent" } },
  } as VegaLiteSpec;
}
