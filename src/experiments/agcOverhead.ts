// AGC's cost over a step without it, from paired timings (core/engine/bench/paired.ts): the median of the pairs'
// overheads with its distribution-free 95% interval, and whether that interval holds 0 — "within noise" — so that
// one noisy sample is never reported as a cost (issue 27: "AGC adds −16.0%").

/** An overhead (fraction: 0.05 is +5%) measured from pairs of timings. */
export interface PairedOverhead {
  /** Median over the pairs of (time with / time without − 1). */
  median: number;
  /** Distribution-free 95% interval of the median (order statistics); null with fewer than 6 pairs. */
  ci95: [number, number] | null;
  pairs: number;
  /** The interval holds 0 (or there is none): no cost or saving can be told from the machine's noise. */
  withinNoise: boolean;
}

/** P(X ≤ k) for X ~ Binomial(n, 1/2). */
function binomialHalfCdf(k: number, n: number): number {
  let term = 0.5 ** n; // P(X = 0)
  let sum = term;
  for (let i = 1; i <= k; i++) {
    term = (term * (n - i + 1)) / i;
    sum += term;
  }
  return sum;
}

/**
 * The median of `xs` and its distribution-free confidence interval [x(k), x(n+1−k)] (1-based order statistics),
 * with k the largest rank whose coverage P(k ≤ X ≤ n−k), X ~ Bin(n, ½), is at least `level` (Conover, Practical
 * Nonparametric Statistics, §3.2). Null interval when no rank reaches the level (n < 6 at 95%).
 */
export function medianInterval(xs: readonly number[], level = 0.95): { median: number; ci: [number, number] | null } {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  const m = Math.floor(n / 2);
  const median = n % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
  let k = 0;
  for (let r = 1; r <= Math.floor(n / 2); r++) {
    if (1 - 2 * binomialHalfCdf(r - 1, n) >= level) k = r;
  }
  return { median, ci: k > 0 ? [s[k - 1] as number, s[n - k] as number] : null };
}

/** The overhead of b over a from the pairs' time ratios (b / a). */
export function pairedOverhead(ratios: readonly number[]): PairedOverhead {
  const { median, ci } = medianInterval(ratios.map((r) => r - 1));
  return { median, ci95: ci, pairs: ratios.length, withinNoise: ci === null || (ci[0] <= 0 && ci[1] >= 0) };
}

/** "+3.1%" / "−16.0%": a signed percentage with one decimal. */
function signedPercent(x: number): string {
  const v = (x * 100).toFixed(1);
  return x < 0 ? `−${v.slice(1)}%` : `+${v}%`;
}

/** The summary line: `AGC adds +3.1% to a step of 64 images (median of 12 paired steps, 95% CI …)`. */
export function overheadLine(o: PairedOverhead, what: string): string {
  const ci = o.ci95 ? `, 95% CI ${signedPercent(o.ci95[0])} to ${signedPercent(o.ci95[1])}` : "";
  const verdict = o.withinNoise ? ": within noise, no cost measurable here" : "";
  return `AGC adds ${signedPercent(o.median)} to ${what} (median of ${o.pairs} paired steps${ci}${verdict})`;
}
