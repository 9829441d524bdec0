// Small-sample statistics for seed replicates: mean, sample standard deviation and Student-t confidence intervals
// (seeds are few, so a normal interval would be too narrow), and the Welch interval of a linear contrast of groups.

export interface Summary {
  n: number;
  mean: number;
  sd: number;
  /** Two-sided confidence interval of the mean; equals the mean when n < 2. */
  lo: number;
  hi: number;
}

export function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

export function sampleSd(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
}

/** log Γ(x) (Lanczos, g = 7), accurate to ~1e-13 for x > 0. */
function logGamma(x: number): number {
  const c = [
    0.9999999999998099, 676.5203681218851, -1259.1392167224028, 771.3234287776531, -176.6150291621406,
    12.507343278686905, -0.13857109526572012, 9.984369578019572e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let a = c[0] as number;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += (c[i] as number) / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction of the regularized incomplete beta function (Numerical Recipes' betacf). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-14) break;
  }
  return h;
}

/** Regularized incomplete beta I_x(a, b). */
function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2)
    ? (front * betaContinuedFraction(a, b, x)) / a
    : 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** P(T ≤ t) for Student's t with `df` degrees of freedom (df may be fractional, as Welch's is). */
export function studentTCdf(t: number, df: number): number {
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** The t quantile q with P(T ≤ q) = p, by bisection on the CDF. */
export function studentTQuantile(p: number, df: number): number {
  let lo = -1e3;
  let hi = 1e3;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (studentTCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Mean with a two-sided t interval at `level` (default 95%). */
export function summarize(xs: readonly number[], level = 0.95): Summary {
  const n = xs.length;
  if (n === 0) return { n, mean: Number.NaN, sd: Number.NaN, lo: Number.NaN, hi: Number.NaN };
  const m = mean(xs);
  const sd = sampleSd(xs);
  if (n < 2) return { n, mean: m, sd, lo: m, hi: m };
  const half = studentTQuantile(1 - (1 - level) / 2, n - 1) * (sd / Math.sqrt(n));
  return { n, mean: m, sd, lo: m - half, hi: m + half };
}

export interface ContrastTerm {
  coef: number;
  values: readonly number[];
}

export interface ContrastEstimate {
  estimate: number;
  se: number;
  df: number;
  lo: number;
  hi: number;
}

/**
 * Σ coef·mean(group) with a Welch–Satterthwaite t interval. A difference of two groups is the contrast (+1, −1);
 * "the gap at batch 1024 minus the gap at batch 64" is a contrast of four. Null when a group has fewer than 2 values.
 */
export function contrast(terms: readonly ContrastTerm[], level = 0.95): ContrastEstimate | null {
  if (terms.some((t) => t.values.length < 2)) return null;
  let estimate = 0;
  let variance = 0;
  let dfDenominator = 0;
  for (const t of terms) {
    const n = t.values.length;
    const v = (t.coef * t.coef * sampleSd(t.values) ** 2) / n;
    estimate += t.coef * mean(t.values);
    variance += v;
    dfDenominator += (v * v) / (n - 1);
  }
  const se = Math.sqrt(variance);
  // With zero spread in every group the interval is a point; df is then irrelevant.
  const df =
    dfDenominator > 0 ? (variance * variance) / dfDenominator : Math.min(...terms.map((t) => t.values.length - 1));
  const half = se > 0 ? studentTQuantile(1 - (1 - level) / 2, df) * se : 0;
  return { estimate, se, df, lo: estimate - half, hi: estimate + half };
}
