// Numbers of the evidence as text, shared by the HTML and markdown renderings.
import { mean, sampleSd } from "../../core/plot/stats.js";
import type { Report } from "./buildReport.js";
import type { ClaimResult, ComparisonResult, TestResult } from "./decide.js";

export function percent(x: number, digits = 1): string {
  return `${(x * 100).toFixed(digits)}%`;
}

export function pointsText(x: number): string {
  return `${x >= 0 ? "+" : "−"}${Math.abs(x * 100).toFixed(2)} pp`;
}

/** "72.3% ± 1.1 (n=3; runs 4, 9, 15)". */
export function armText(arm: ComparisonResult["arms"][number]): string {
  if (!arm.top1.length) return "no runs";
  const sd = arm.top1.length > 1 ? ` ± ${(sampleSd(arm.top1) * 100).toFixed(1)}` : "";
  return `${percent(mean(arm.top1))}${sd} (n=${arm.top1.length}; runs ${arm.runIds.join(", ")})`;
}

export function effectText(c: ComparisonResult): string {
  if (!c.estimate) return c.why;
  const ci = `${pointsText(c.estimate.estimate)}, 95% CI [${pointsText(c.estimate.lo)}, ${pointsText(c.estimate.hi)}]`;
  return c.plan ? `${ci}; ${c.plan.note}` : ci;
}

const KIND_TEXT = {
  better: (m: number) =>
    `holds if the interval is above 0; otherwise, does not hold if it lies below +${(m * 100).toFixed(1)} pp`,
  notWorse: (m: number) =>
    `holds if the interval is above −${(m * 100).toFixed(1)} pp; otherwise, does not hold if it lies below 0`,
  small: (m: number) =>
    `holds if the interval lies within ±${(m * 100).toFixed(1)} pp; does not hold if it lies outside`,
} as const;

export function ruleText(t: TestResult): string {
  const q = t.quantifier === "all" ? "every condition must hold" : "more than half of the conditions must hold";
  return `${KIND_TEXT[t.kind](t.margin)}; ${q}`;
}

export function verdictClass(v: string): string {
  return v.replaceAll(" ", "-");
}

/** "1–4, 7, 9–10": run ids, consecutive ones as a range. */
export function idsText(ids: readonly number[]): string {
  const sorted = [...new Set(ids)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && (sorted[j + 1] as number) === (sorted[j] as number) + 1) j++;
    parts.push(j > i ? `${sorted[i]}–${sorted[j]}` : String(sorted[i]));
    i = j + 1;
  }
  return parts.join(", ");
}

/**
 * A claim decided from selected runs (judgeRuns.ts): the runs it used, per matched set, and every run it left out
 * with why; a claim with no matched set says what it needs. Empty for a preset's claim.
 */
export function claimRunsLines(claim: ClaimResult): string[] {
  const runs = claim.runs;
  if (!runs) return [];
  const n = (ids: readonly number[]) => `${ids.length === 1 ? "run" : `${ids.length} runs`} ${idsText(ids)}`;
  const lines = runs.sets.length
    ? [`Runs used: ${runs.sets.map((s) => (s.label ? `${s.label}: ${n(s.runIds)}` : n(s.runIds))).join("; ")}.`]
    : [`Not tested: no matched runs; it needs ${claim.rule.match.needs.map((need) => need.what).join(" and ")}.`];
  for (const l of runs.leftOut) lines.push(`Left out: ${n(l.runIds)}: ${l.reason}.`);
  return lines;
}

/** Whose runs decided, in words: "preset quick", or "sweep ablation: 36 runs selected of 40 stored, 34 finished". */
export function whoseRunsText(report: Report): string {
  if (report.preset) return `preset ${report.preset}`;
  const n = report.selected;
  const counts = n ? `: ${n.runs} of ${n.stored} stored runs selected, ${n.finished} finished` : "";
  return `${report.selection ?? ""}${counts}; each claim from the runs that match it`;
}

/** How the seeds a claim lacks are added: a preset's by --add-seeds, one's own sweep's by its file. */
export function addSeedsText(report: Report): string {
  return report.preset
    ? "`nfx report --run-missing --add-seeds --budget 30m` adds them"
    : "add them with `seeds:` in your sweep file and run it again (a stored run is never trained twice)";
}
