// The band around a mean over seeds, honest at any number of seeds: the one home of the rules every chart draws by
// (the figures, `nfx plot`, the training curves).
// - `--band` chooses it: ci = the 95% t-interval of the mean (the default), sd = mean ± one sample SD, range = the
//   seeds' lowest to highest value, none = no band.
// - A group of fewer than 3 seeds gets no band: its seeds are drawn as points, with their range. With 2 seeds the t
//   quantile is 12.7, so the interval spans about ±9 times the gap between the two values (0–50% for two top-1s a
//   few points apart): it says less than the two values themselves. One seed has no interval at all.
// - A band never leaves the metric's range (top-1 and fractions in [0, 1]; losses, norms, rates ≥ 0): it is cut
//   there, and the subtitle says so when a band was cut. Cut rather than computed on a transformed scale (logit,
//   log), which would keep inside the range by itself but be an interval around another centre than the arithmetic
//   mean the line draws and the report decides with; where the cut bites, the mean can lie nowhere beyond it anyway.
import { mean, summarize } from "./stats.js";

export const BAND_KINDS = ["ci", "sd", "range", "none"] as const;
export type BandKind = (typeof BAND_KINDS)[number];
export const DEFAULT_BAND: BandKind = "ci";

/** Fewest seeds a group needs for a band; fewer are drawn as points (see the header). */
export const MIN_SEEDS_FOR_BAND = 3;

/** What each band is, for subtitles and tooltips. */
export const BAND_LABEL: Record<BandKind, string> = {
  ci: "95% t-interval of the mean",
  sd: "mean ± 1 SD",
  range: "seeds' range (min–max)",
  none: "none",
};

/** What `--band` does, for the commands' help. */
export const BAND_HELP =
  `ci (95% t-interval of the mean, the default), sd (mean ± 1 SD), range (seeds' min–max) or none; groups of ` +
  `fewer than ${MIN_SEEDS_FOR_BAND} seeds are drawn as their seeds with their range, one seed has no interval, and a ` +
  "band is cut at the metric's range (top-1 and fractions in [0, 1], losses ≥ 0)";

/** [lowest, highest] value a metric can take. */
export type MetricRange = readonly [number, number];

const FRACTION: MetricRange = [0, 1];
const NON_NEGATIVE: MetricRange = [0, Number.POSITIVE_INFINITY];

/**
 * The range of a run field or per-step metric, by its name: top-1s and clip fractions are fractions; losses,
 * gradient norms, learning rates, throughputs, durations and step counts are never negative. Null for any other
 * field (a config key on y, a weights check): its band is not cut.
 */
export function metricRange(name: string): MetricRange | null {
  if (/(^|_)top1$/.test(name) || /^clip_frac(\.|$)/.test(name)) return FRACTION;
  if (/(^|_)loss$|(^|_)norm$|^lr$|^images_per_s$|^duration_s$|^steps$|_abs_mean$/.test(name)) return NON_NEGATIVE;
  return null;
}

/** The band of one group of seed values. */
export interface SeedBand {
  mean: number;
  /** The band drawn around the mean, cut at the metric's range; null where none is drawn (see the header). */
  lo: number | null;
  hi: number | null;
  /** The band reached beyond the metric's range and was cut there. */
  cut: boolean;
  /** The seeds' values, lowest first, and their range. */
  seeds: number[];
  min: number;
  max: number;
}

function uncut(values: readonly number[], kind: BandKind): [number, number] | null {
  if (kind === "none" || values.length < MIN_SEEDS_FOR_BAND) return null;
  if (kind === "range") return [Math.min(...values), Math.max(...values)];
  if (kind === "sd") {
    const s = summarize(values);
    return [s.mean - s.sd, s.mean + s.sd];
  }
  const s = summarize(values, 0.95);
  return [s.lo, s.hi];
}

/** The band of `values` (one group's seeds, at least one) under `kind`, cut at `range`. */
export function seedBand(values: readonly number[], kind: BandKind, range: MetricRange | null): SeedBand {
  const seeds = [...values].sort((a, b) => a - b);
  const at = { mean: mean(values), seeds, min: seeds[0] as number, max: seeds.at(-1) as number };
  const band = uncut(values, kind);
  if (!band) return { ...at, lo: null, hi: null, cut: false };
  const [lo, hi] = range ? [Math.max(range[0], band[0]), Math.min(range[1], band[1])] : band;
  return { ...at, lo, hi, cut: lo !== band[0] || hi !== band[1] };
}

function rangeText(range: MetricRange | null): string {
  if (!range) return "the metric's range";
  if (range[1] === Number.POSITIVE_INFINITY) return String(range[0]);
  return range[0] === 0 && range[1] === 1 ? "0–100%" : `${range[0]}–${range[1]}`;
}

/**
 * The subtitle line that says what the band is: "mean over seeds, band: 95% t-interval of the mean (cut at
 * 0–100%); 2 seeds: points with their range", or "one run per point" when no group pools seeds.
 */
export function bandNote(
  groups: readonly { n: number; cut?: boolean }[],
  kind: BandKind,
  range: MetricRange | null,
  what: "point" | "line",
): string {
  if (!groups.some((g) => g.n > 1)) return `one run per ${what}`;
  const few = groups.filter((g) => g.n > 1 && g.n < MIN_SEEDS_FOR_BAND).length;
  const enough = groups.some((g) => g.n >= MIN_SEEDS_FOR_BAND);
  const band = kind === "none" ? "no band (--band none)" : enough ? `band: ${BAND_LABEL[kind]}` : null;
  const parts = [
    band,
    groups.some((g) => g.cut) ? `band cut at ${rangeText(range)}` : null,
    few && kind !== "none"
      ? `${enough ? "groups of " : ""}fewer than ${MIN_SEEDS_FOR_BAND} seeds: seeds as points with their range, no band`
      : null,
    groups.some((g) => g.n === 1) ? "one seed: no interval" : null,
  ].filter((p): p is string => p !== null);
  return `mean over seeds${parts.length ? `, ${parts.join("; ")}` : ""}`;
}
