// Every figure nfx knows, by name: the four sweep figures of the AGC study and the optimizers' (findings at this
// scale, not the paper's), plus training curves and signal propagation (which draw from other figures' runs or from
// a model at init).
import { exclusions } from "./exclusions.js";
import { fig2a } from "./fig2a.js";
import { fig2b } from "./fig2b.js";
import { granularity } from "./granularity.js";
import { optimizers, sgdOnly } from "./optimizers.js";
import type { SweepFigure } from "./types.js";

export const SWEEP_FIGURES: readonly SweepFigure[] = [
  sgdOnly(fig2a),
  sgdOnly(fig2b),
  granularity,
  sgdOnly(exclusions),
  optimizers,
];
export const OTHER_FIGURES = {
  curves: "training curves (loss, test top-1, clip fraction) of any figure's sweep or of a --filter selection",
  spp: "signal propagation at initialization of a model (delegates to the model zoo's measurement)",
} as const;
export const FIGURE_NAMES: readonly string[] = [...SWEEP_FIGURES.map((f) => f.name), ...Object.keys(OTHER_FIGURES)];

export function sweepFigure(name: string): SweepFigure | undefined {
  return SWEEP_FIGURES.find((f) => f.name === name);
}

/** Throws, listing the known figures, when `name` is not one of them. */
export function assertFigureName(name: string): void {
  if (!FIGURE_NAMES.includes(name)) throw new Error(`unknown figure '${name}' (known: ${FIGURE_NAMES.join(", ")})`);
}
