// How many seeds per arm would decide a comparison that is "not enough runs", at the spread observed.
//
// A comparison's verdict comes from the 95% Welch interval of a contrast Σ cᵢ·mean(armᵢ) against the rule's margin
// (decide.ts). With n seeds in every arm and the arms' sample standard deviations sᵢ as observed, the interval's
// half-width is
//     h(n) = t₀.₉₇₅(df(n)) · √(V/n),   V = Σ cᵢ²·sᵢ²,   df(n) = (n − 1)·V² / Σ (cᵢ²·sᵢ²)²   (Welch–Satterthwaite)
// The point estimate e is taken as observed; the interval decides once h(n) is below the distance from e to the
// nearer bound it could clear (decide.ts decideInterval):
//     better    max(e, margin − e)          (above 0, or below +margin)
//     notWorse  max(e + margin, −e)         (above −margin, or below 0)
//     small     |margin − |e||              (inside ±margin, or outside it)
// The answer is the smallest such n (at most MAX_SEEDS). It is a planning figure, not a promise: the estimate and
// the spreads move as seeds are added. Source: the standard sample-size calculation for a t interval of given
// half-width (e.g. Kupper & Hafner 1989, "How appropriate are popular sample size formulas?"), with Welch's df.
import { mean, sampleSd, studentTQuantile } from "../../core/plot/stats.js";
import type { EffectKind } from "./claimRule.js";

/** Beyond this many seeds per arm the report says "more than" rather than a number. */
export const MAX_SEEDS = 100;
/** Seeds per arm asked for when an arm has fewer than 2 (no spread to plan from): 3 gives a first spread. */
export const SEEDS_WITHOUT_SPREAD = 3;

export interface SeedPlan {
  /** Seeds per arm that would decide the comparison at the spread observed; null when none ≤ MAX_SEEDS would. */
  perArm: number | null;
  /** One line for the report: how many, and why. */
  note: string;
}

/** The half-width the interval must get below to decide, from the observed estimate (see the file's header). */
export function halfWidthToDecide(kind: EffectKind, margin: number, e: number): number {
  switch (kind) {
    case "better":
      return Math.max(e, margin - e);
    case "notWorse":
      return Math.max(e + margin, -e);
    case "small":
      return Math.abs(margin - Math.abs(e));
  }
}

/**
 * Seeds per arm that would decide a comparison (see the file's header).
 * @param arms each arm's contrast coefficient and its seeds' top-1 values.
 */
export function seedsToDecide(
  arms: readonly { coef: number; values: readonly number[] }[],
  kind: EffectKind,
  margin: number,
): SeedPlan {
  if (!arms.length) return { perArm: null, note: "no arms to compare" };
  if (arms.some((a) => a.values.length < 2)) {
    return {
      perArm: SEEDS_WITHOUT_SPREAD,
      note: `an arm has fewer than 2 seeds, so no spread to plan from: ${SEEDS_WITHOUT_SPREAD} seeds per arm first`,
    };
  }
  const e = arms.reduce((s, a) => s + a.coef * mean(a.values), 0);
  const parts = arms.map((a) => a.coef * a.coef * sampleSd(a.values) ** 2);
  const v = parts.reduce((s, x) => s + x, 0);
  const v2 = parts.reduce((s, x) => s + x * x, 0);
  const h = halfWidthToDecide(kind, margin, e);
  const pp = (x: number) => `${(x * 100).toFixed(2)} pp`;
  // Float round-off keeps an estimate that sits on a bound a hair away from it (0.82 − 0.81 ≠ 0.01).
  if (!(h > 1e-9)) {
    return { perArm: null, note: `the estimate ${pp(e)} sits on a decision bound: no number of seeds decides it` };
  }
  const current = Math.min(...arms.map((a) => a.values.length));
  for (let n = Math.max(2, current); n <= MAX_SEEDS; n++) {
    const df = v2 > 0 ? ((n - 1) * v * v) / v2 : n - 1;
    const half = v > 0 ? studentTQuantile(0.975, df) * Math.sqrt(v / n) : 0;
    if (half < h) {
      return {
        perArm: n,
        note: `about ${n} seeds per arm would decide it at the spread observed (95% half-width ${pp(half)} < ${pp(h)})`,
      };
    }
  }
  return {
    perArm: null,
    note: `more than ${MAX_SEEDS} seeds per arm at the spread observed (the interval must shrink below ±${pp(h)} around the effect ${pp(e)})`,
  };
}
