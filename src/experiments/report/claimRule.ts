// A claim of the paper as data: what the paper says (in our words), and the tests that decide it from stored runs.
// Each test names two or more groups of seed replicates and a contrast between them; the verdict comes from the
// contrast's 95% interval against a margin (the smallest top-1 difference we count as an effect).
import type { RunRow } from "../../core/plot/runRows.js";

export const VERDICTS = ["holds", "does not hold", "not enough runs"] as const;
export type Verdict = (typeof VERDICTS)[number];

/**
 * better:   the contrast is positive (holds when its interval is above 0; does not hold when the interval lies below
 *           the margin, i.e. any advantage is smaller than an effect we would count).
 * notWorse: the contrast is not negative beyond the margin (holds when the interval is above −margin; does not hold
 *           when it is entirely below 0).
 * small:    the contrast is within ±margin (holds when the interval is inside; does not hold when it is outside).
 */
export type EffectKind = "better" | "notWorse" | "small";

/** all: every comparison must hold; most: more than half must hold. */
export type Quantifier = "all" | "most";

export interface Arm {
  label: string;
  coef: number;
  /** Seed replicates: the runs and their top-1. */
  runs: readonly RunRow[];
}

/** One comparison at one condition (e.g. one batch size). */
export interface Comparison {
  condition: string;
  arms: readonly Arm[];
}

export interface ClaimTest {
  /** What the test measures, in words, e.g. "top-1 of AGC (best λ) minus BN-ResNet, at each batch size". */
  measures: string;
  kind: EffectKind;
  /** In top-1 units (0.005 = half a percentage point). */
  margin: number;
  quantifier: Quantifier;
  /** Picks the groups from the figure's runs; an empty list means the runs cannot answer. */
  comparisons(rows: readonly RunRow[]): Comparison[];
}

/** A group of runs a claim needs in a matched set, e.g. "BN-ResNet runs" (the report says "no BN-ResNet runs"). */
export interface ClaimNeed {
  what: string;
  /** Whether the matched runs hold it. */
  has(rows: readonly RunRow[]): boolean;
}

/**
 * How a claim finds its contrast among any stored runs (report/matchRuns.ts): runs that agree on every identity
 * key except the seed (pooled as replicates) and the keys the claim varies, and that together hold what it needs.
 */
export interface ClaimMatch {
  /** Identity keys (dotted) whose values differ between the claim's arms and conditions. */
  varies: readonly string[];
  /** Keys matched after a mapping, e.g. model.name without its norm prefix: a BN-ResNet pairs with its NF twin. */
  matchedAs?: Readonly<Record<string, (value: unknown) => unknown>>;
  /** Why a run cannot serve the claim whatever it is matched with (e.g. "no clipping: …"), or null. */
  refuses(row: RunRow): string | null;
  needs: readonly ClaimNeed[];
}

export interface ClaimRule {
  /** The number of the claim in PAPER.md's "AGC ablation findings". */
  id: number;
  title: string;
  /** The paper's statement, paraphrased. */
  paper: string;
  /** What our scale leaves out, when it does (e.g. nfx has no LARS). */
  scope?: string;
  tests: readonly ClaimTest[];
  match: ClaimMatch;
}
