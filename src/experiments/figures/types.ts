// A figure of the paper's AGC study as data: its sweep (configs/NAME.quick.yaml and NAME.full.yaml), its chart
// from the sweep's stored runs, and the claims its runs decide.
import type { BandKind } from "../../core/plot/bands.js";
import type { VegaLiteSpec } from "../../core/plot/render.js";
import type { RunRow } from "../../core/plot/runRows.js";
import type { ClaimRule } from "../report/claimRule.js";

export const PRESETS = ["quick", "standard", "full"] as const;
export type Preset = (typeof PRESETS)[number];

export interface SweepFigure {
  name: string;
  title: string;
  /** One line for `nfx figure --help` and the report. */
  description: string;
  /** The chart from the figure's finished runs (one row per run, see core/plot/runRows), with `band` (core/plot/bands). */
  spec(rows: readonly RunRow[], subtitle: string[], band: BandKind): VegaLiteSpec;
  /** The rows the chart draws; the others are named in the subtitle as not drawn, with `leftOut` as the reason. */
  drawn(rows: readonly RunRow[]): readonly RunRow[];
  /**
   * Of the drawn rows, those drawn only as a labelled reference line (fig2b's runs without clipping), not on the
   * chart's axis: a store holding only these has nothing to draw.
   */
  reference?(rows: readonly RunRow[]): readonly RunRow[];
  /** Why a run of the sweep that `drawn` leaves out is not in the chart. */
  leftOut: string;
  claims: readonly ClaimRule[];
}
