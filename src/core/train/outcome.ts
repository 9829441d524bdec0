// Did a run that finished its steps actually train? A run can end every step without a NaN and still have failed:
// its loss spiked, then settled flat at ln(classes) — the network predicts the uniform distribution — or its test
// top-1 ended at chance. Such a run is `collapsed`: a failure to train, like `diverged`, decided at the end of the
// run from what the run measured (the per-step training loss and the final test top-1).
//
// The rule, with its thresholds (all in this file). Only a run of at least MIN_STEPS steps is judged: a shorter
// one that ends at chance has not had the time to train, which is not the same as having collapsed (a 3-step run
// on 32 test images lands within 5 pp of chance by luck alone).
//   flat      the tail of the run (its last max(TAIL_MIN, ⌈TAIL_FRACTION·steps⌉) steps) has every loss within
//             ±FLAT_TOL·ln(C) of ln(C) — the network predicts about the uniform distribution;
//   spike     some step before that tail has a loss above both SPIKE_FACTOR × the lowest loss before it and
//             ln(C)·(1 + FLAT_TOL);
//   chance    the final test top-1 is ≤ 1/C + CHANCE_MARGIN (C classes; 5 percentage points above chance);
//   stuck     every loss of the tail is at or above the band's floor ln(C)·(1 − FLAT_TOL): no learning shows.
// collapsed = (flat and spike) or (chance and stuck): flat at ln(C) after a spike, or ending at chance with a loss
// that did not come down. A run whose loss went below the band is never collapsed, whatever its top-1.
// A uniform prediction has smoothed cross-entropy exactly ln(C) whatever the label smoothing (the smoothed target
// sums to 1), so the band is the same with and without smoothing or MixUp.
// The step it happened: the first step (1-based, as for `diverged`) of the final stretch of steps whose loss stays
// in the ln(C) band (for a spike, or a flat run at chance) or at or above its floor (a run at chance) to the end.

/** Final top-1 at most this far above chance (1/C) is "at chance". */
export const CHANCE_MARGIN = 0.05;
/**
 * Half-width of the band around ln(C), relative to ln(C). A loss of (1 − 0.15)·ln(C) is the cross-entropy of a
 * prediction as spread as C^0.85 equally likely classes (7.1 of 10): still about uniform. 0.1 was tried first and
 * let a fig2b pilot run through (nf-resnet-micro, batch 1024, λ = 0.16, seed 0: loss spiked to 8.7 at step 17, sat
 * at 2.18–2.41 for 25 steps and crept to 2.05 = 0.89·ln(10) as the LR decayed to 0, top-1 26.8% where λ = 0.01
 * reached 64–80%); its stretch from step 27 on is the last test case in test/train/outcome.test.ts.
 */
export const FLAT_TOL = 0.15;
/** A spike: a loss above this multiple of the lowest loss before it (and above the ln(C) band). */
export const SPIKE_FACTOR = 1.5;
/** The tail that must lie in the band: the last max(TAIL_MIN, ⌈TAIL_FRACTION·steps⌉) steps. */
export const TAIL_MIN = 5;
export const TAIL_FRACTION = 0.1;
/** Fewer steps than this cannot show "flat after a spike". */
export const MIN_STEPS = 2 * TAIL_MIN;

export interface OutcomeInput {
  /** Training loss of every optimizer step, in order (non-finite values are ignored). */
  losses: readonly number[];
  /** Final test top-1 in [0, 1], or null when not measured. */
  top1: number | null;
  /** Number of classes C (≥ 2). */
  numClasses: number;
}

/**
 * The two halves of the rule (see the header), as a run's record names them: its reason starts with
 * `collapse rule "NAME"`, which `nfx runs` shows beside the status.
 */
export type CollapseRule = "flat after a spike" | "at chance, not learning";

export interface Collapse {
  /** 1-based step at which the run collapsed (see the file's header). */
  step: number;
  /** Which half of the rule judged it: flat and spike, or chance and stuck. */
  rule: CollapseRule;
  /** One line for the run's record: the rule, then what was seen. */
  reason: string;
}

function inBand(loss: number, lnC: number): boolean {
  return Math.abs(loss - lnC) <= FLAT_TOL * lnC;
}

/** Index of the first step of the final stretch whose losses all pass `test`, or null when the last one fails. */
function stretchStart(losses: readonly number[], test: (loss: number) => boolean): number | null {
  let i = losses.length;
  while (i > 0 && test(losses[i - 1] as number)) i--;
  return i < losses.length ? i : null;
}

/** Index of the last spike (see the header), or null. */
function lastSpike(losses: readonly number[], lnC: number): number | null {
  let lowest = Number.POSITIVE_INFINITY;
  let spike: number | null = null;
  losses.forEach((l, i) => {
    if (i > 0 && l > SPIKE_FACTOR * lowest && l > lnC * (1 + FLAT_TOL)) spike = i;
    lowest = Math.min(lowest, l);
  });
  return spike;
}

/**
 * Whether a run that finished its steps collapsed, by the rule in this file's header; null when it trained.
 * @throws Error when numClasses < 2 (chance and ln(C) would mean nothing).
 */
export function classifyCollapse(input: OutcomeInput): Collapse | null {
  const c = input.numClasses;
  if (!(c >= 2)) throw new Error(`classifyCollapse: numClasses must be ≥ 2 (got ${c})`);
  const lnC = Math.log(c);
  const losses = input.losses.filter((l) => Number.isFinite(l));
  if (losses.length < MIN_STEPS) return null;
  const tail = Math.max(TAIL_MIN, Math.ceil(TAIL_FRACTION * losses.length));
  const band = stretchStart(losses, (l) => inBand(l, lnC));
  const flat = band !== null && losses.length - band >= tail;
  const spike = lastSpike(losses, lnC);
  const spiked = flat && spike !== null && spike < (band as number);
  const atChance = input.top1 !== null && input.top1 <= 1 / c + CHANCE_MARGIN;
  // At chance, a loss that never got below the band's floor in the tail: the run did not learn (flat, or worse).
  const stuck = stretchStart(losses, (l) => l >= lnC * (1 - FLAT_TOL));
  const notLearning = stuck !== null && losses.length - stuck >= tail;
  if (!spiked && !(atChance && notLearning)) return null;
  const chance = atChance ? `test top-1 ${(input.top1 as number).toFixed(3)} at chance (1/${c})` : null;
  if (spiked) {
    const step = (band as number) + 1;
    const before = losses.slice(0, band as number);
    const peak = before.indexOf(Math.max(...before)) + 1;
    const flatText = `flat within ±${FLAT_TOL * 100}% of ln(${c}) = ${lnC.toFixed(3)} from step ${step} to the end`;
    return {
      step,
      rule: "flat after a spike",
      reason: `collapse rule "flat after a spike": loss spiked (to ${(losses[peak - 1] as number).toPrecision(3)} at step ${peak}), then stayed ${flatText}${chance ? `; ${chance}` : ""}`,
    };
  }
  const step = (flat ? (band as number) : (stuck as number)) + 1;
  const where = flat
    ? `flat within ±${FLAT_TOL * 100}% of ln(${c}) = ${lnC.toFixed(3)}`
    : `at or above ln(${c})·${1 - FLAT_TOL} = ${(lnC * (1 - FLAT_TOL)).toFixed(3)}`;
  return {
    step,
    rule: "at chance, not learning",
    reason:
      `collapse rule "at chance, not learning" (runs of ${MIN_STEPS}+ steps): loss ${where} from step ${step} ` +
      `to the end; ${chance}`,
  };
}
