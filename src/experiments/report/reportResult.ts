// What `nfx report` returns (its --json document): each claim's verdict with its evidence, and, after
// --run-missing, what the call trained.
import { claimsInOrder, type WrittenReport } from "./buildReport.js";
import type { ReportRunResult } from "./reportSweep.js";

/** The report as written (buildReport), or as trained and written (runReport, --run-missing). */
export type ReportOutcome = WrittenReport | ReportRunResult;

/** Whether the call trained (runReport's result). */
export function trainedFor(written: ReportOutcome): ReportRunResult | null {
  return "planned" in written ? written : null;
}

/**
 * Each claim in order: its verdict, figure and stored runs, and per test the comparisons that decided it; decided
 * from selected runs, also the runs it used (per matched set) and those it left out with the reason.
 */
export function claimSummaries(written: ReportOutcome) {
  return claimsInOrder(written.report).map(({ figure, claim }) => ({
    id: claim.rule.id,
    title: claim.rule.title,
    verdict: claim.verdict,
    figure: figure.figure,
    // Decided from selected runs: the runs this claim used; from a preset: the figure's stored runs.
    runs: claim.runs ? claim.runs.sets.reduce((n, s) => n + s.runIds.length, 0) : figure.runs,
    ...(claim.runs
      ? {
          runs_used: claim.runs.sets.map((s) => ({ set: s.label, run_ids: s.runIds })),
          runs_left_out: claim.runs.leftOut.map((l) => ({ reason: l.reason, run_ids: l.runIds })),
        }
      : {}),
    tests: claim.tests.map((t) => ({
      measures: t.measures,
      verdict: t.verdict,
      comparisons: t.comparisons.map((c) => ({
        condition: c.condition,
        verdict: c.verdict,
        estimate: c.estimate,
        seeds_to_decide: c.plan,
        arms: c.arms,
      })),
    })),
  }));
}

export type ClaimSummary = ReturnType<typeof claimSummaries>[number];

/** The document: the files written and the claims, plus (--run-missing) the runs planned and trained in `seconds`. */
export function reportResult(written: ReportOutcome, seconds: number) {
  const trained = trainedFor(written);
  return {
    html: written.html,
    markdown: written.markdown,
    ...(written.report.selection ? { selection: written.report.selection, selected: written.report.selected } : {}),
    claims: claimSummaries(written),
    ...(trained
      ? { planned: trained.planned, ran: trained.ran, figures: trained.figures, seeds: trained.seeds, seconds }
      : {}),
  };
}
