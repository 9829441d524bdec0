// From comparisons to verdicts: the contrast's interval against the rule's margin, then the quantifier over
// conditions, then all tests of a claim together.
import type { RunRow } from "../../core/plot/runRows.js";
import { type ContrastEstimate, contrast } from "../../core/plot/stats.js";
import type { ClaimRule, ClaimTest, Comparison, EffectKind, Quantifier, Verdict } from "./claimRule.js";
import type { LeftOut, MatchedSet } from "./matchRuns.js";
import { type SeedPlan, seedsToDecide } from "./power.js";

export interface ComparisonResult {
  condition: string;
  arms: { label: string; coef: number; runIds: number[]; top1: number[] }[];
  estimate: ContrastEstimate | null;
  verdict: Verdict;
  why: string;
  /** For "not enough runs": how many seeds per arm would decide it at the spread observed (power.ts); else null. */
  plan: SeedPlan | null;
}

export interface TestResult {
  measures: string;
  kind: EffectKind;
  margin: number;
  quantifier: Quantifier;
  comparisons: ComparisonResult[];
  verdict: Verdict;
}

/** Which runs a claim decided from any stored runs used (per matched set) and which it left out, with why. */
export interface ClaimRuns {
  sets: { label: string; runIds: number[] }[];
  leftOut: LeftOut[];
}

export interface ClaimResult {
  rule: ClaimRule;
  tests: TestResult[];
  verdict: Verdict;
  /** Decided from a selection of stored runs (matchRuns.ts); absent for a preset's runs. */
  runs?: ClaimRuns;
}

function pp(x: number): string {
  return `${(x * 100).toFixed(2)} pp`;
}

export function decideInterval(kind: EffectKind, margin: number, lo: number, hi: number): Verdict {
  switch (kind) {
    case "better":
      if (lo > 0) return "holds";
      return hi < margin ? "does not hold" : "not enough runs";
    case "notWorse":
      if (lo > -margin) return "holds";
      return hi < 0 ? "does not hold" : "not enough runs";
    case "small":
      if (lo > -margin && hi < margin) return "holds";
      return lo > margin || hi < -margin ? "does not hold" : "not enough runs";
  }
}

function top1s(rows: readonly RunRow[]): number[] {
  return rows.map((r) => r.top1).filter((v): v is number => typeof v === "number" && Number.isFinite(v));
}

export function decideComparison(c: Comparison, kind: EffectKind, margin: number): ComparisonResult {
  const arms = c.arms.map((a) => ({
    label: a.label,
    coef: a.coef,
    runIds: a.runs.map((r) => Number(r.run_id)),
    top1: top1s(a.runs),
  }));
  const terms = arms.map((a) => ({ coef: a.coef, values: a.top1 }));
  const estimate = contrast(terms);
  if (!estimate) {
    const short = arms.filter((a) => a.top1.length < 2).map((a) => `${a.label} (${a.top1.length})`);
    const plan = seedsToDecide(terms, kind, margin);
    return {
      condition: c.condition,
      arms,
      estimate,
      verdict: "not enough runs",
      why: `fewer than 2 seeds: ${short.join(", ")}; ${plan.note}`,
      plan,
    };
  }
  const verdict = decideInterval(kind, margin, estimate.lo, estimate.hi);
  const ci = `${pp(estimate.estimate)} [${pp(estimate.lo)}, ${pp(estimate.hi)}]`;
  if (verdict !== "not enough runs") return { condition: c.condition, arms, estimate, verdict, why: ci, plan: null };
  const plan = seedsToDecide(terms, kind, margin);
  const why = `${ci}: the interval straddles the decision bounds; ${plan.note}`;
  return { condition: c.condition, arms, estimate, verdict, why, plan };
}

export function combine(verdicts: readonly Verdict[], quantifier: Quantifier): Verdict {
  if (!verdicts.length) return "not enough runs";
  const holds = verdicts.filter((v) => v === "holds").length;
  const fails = verdicts.filter((v) => v === "does not hold").length;
  if (quantifier === "all") {
    if (fails > 0) return "does not hold";
    return holds === verdicts.length ? "holds" : "not enough runs";
  }
  if (holds * 2 > verdicts.length) return "holds";
  return fails * 2 >= verdicts.length ? "does not hold" : "not enough runs";
}

export function decideTest(test: ClaimTest, rows: readonly RunRow[]): TestResult {
  return testOver(test, test.comparisons(rows));
}

function testOver(test: ClaimTest, picked: readonly Comparison[]): TestResult {
  const comparisons = picked.map((c) => decideComparison(c, test.kind, test.margin));
  return {
    measures: test.measures,
    kind: test.kind,
    margin: test.margin,
    quantifier: test.quantifier,
    comparisons,
    verdict: combine(
      comparisons.map((c) => c.verdict),
      test.quantifier,
    ),
  };
}

export function decideClaim(rule: ClaimRule, rows: readonly RunRow[]): ClaimResult {
  return claimOver(
    rule,
    rule.tests.map((t) => decideTest(t, rows)),
  );
}

/**
 * A claim decided over matched sets of runs (matchRuns.ts): each test takes its comparisons from every set (a set's
 * label, when there are several, before their condition), and its quantifier runs over all of them.
 */
export function decideClaimIn(rule: ClaimRule, sets: readonly MatchedSet[]): ClaimResult {
  const tests = rule.tests.map((t) =>
    testOver(
      t,
      sets.flatMap((s) =>
        t.comparisons(s.rows).map((c) => (s.label ? { ...c, condition: `${s.label}, ${c.condition}` } : c)),
      ),
    ),
  );
  return claimOver(rule, tests);
}

function claimOver(rule: ClaimRule, tests: TestResult[]): ClaimResult {
  return {
    rule,
    tests,
    verdict: combine(
      tests.map((t) => t.verdict),
      "all",
    ),
  };
}
