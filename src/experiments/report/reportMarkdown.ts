// The report as markdown: the same verdicts and evidence as the HTML page, figures linked as PNG.
import path from "node:path";
import { claimsInOrder, type Report } from "./buildReport.js";
import { addSeedsText, armText, claimRunsLines, effectText, ruleText, whoseRunsText } from "./evidenceText.js";
import { fractionText, gainText, type MechanismTable, mechanismNote } from "./mechanism.js";

/** The mechanism table as markdown lines (empty when there is none). */
export function mechanismMarkdown(m: MechanismTable | null): string[] {
  if (!m) return [];
  // A "|" inside a cell would end it: the skip gain's absolute value is written as "abs".
  const head = [m.keys.join(" · ") || "group", "runs", ...m.roles.map((r) => `clip ${r}`), "abs(skip gain) end (mean)"];
  const lines = ["", "**Why** — clip fractions over training and the skip gains' size:", ""];
  lines.push(`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`);
  for (const r of m.rows) {
    const cells = [
      r.group,
      `${r.runs} (${r.outcomes})`,
      ...m.roles.map((role) => fractionText(r.clip[role] ?? null)),
      `${gainText(r.skipGainEnd)} (${gainText(r.skipGainMean)})`,
    ];
    lines.push(`| ${cells.join(" | ")} |`);
  }
  lines.push("", mechanismNote(m));
  return lines;
}

export function reportMarkdown(report: Report, outDir: string): string {
  const lines: string[] = [
    "# nfx report: the paper's AGC claims, checked against the stored runs",
    "",
    `Store \`${report.db}\`, ${whoseRunsText(report)}, generated ${report.generated_at}. A claim holds only when the`,
    "runs show it beyond seed noise (95% Welch t-interval of the effect against the rule's margin). Diverged and",
    "collapsed runs count as failures to train (at chance, or their measured top-1). A best λ is picked per seed on",
    "the other seeds, never on the seed it is measured on. Where the runs cannot decide, the report says how many",
    `seeds per arm would: ${addSeedsText(report)}.`,
    "",
    "| # | claim | verdict | figure |",
    "|---|---|---|---|",
  ];
  const ordered = claimsInOrder(report);
  for (const { figure, claim } of ordered) {
    lines.push(`| ${claim.rule.id} | ${claim.rule.title} | **${claim.verdict}** | ${figure.figure} |`);
  }
  for (const { figure, claim } of ordered) {
    lines.push("", `## Claim ${claim.rule.id}: ${claim.rule.title} — **${claim.verdict}**`, "");
    lines.push(`*The paper, in our words:* ${claim.rule.paper}`, "");
    if (claim.rule.scope) lines.push(`*Scope:* ${claim.rule.scope}`, "");
    const matched = claimRunsLines(claim);
    if (matched.length) lines.push(...matched.map((l) => `- ${l}`), "", `${figure.devices}.`);
    else lines.push(`Runs: ${figure.runs} of ${figure.expected} of \`${figure.sweep}\`; ${figure.devices}.`);
    if (!figure.runs && report.preset)
      lines.push(
        "",
        `Run them with \`nfx report --run-missing --preset ${report.preset}\` (every figure) or \`nfx figure ${figure.figure} --preset ${report.preset} --run-missing\`.`,
      );
    for (const t of claim.tests) {
      lines.push("", `**Test** (${t.verdict}): ${t.measures}. Rule: ${ruleText(t)}.`, "");
      if (!t.comparisons.length) {
        lines.push("No condition could be compared: the figure's runs are missing.");
        continue;
      }
      lines.push("| condition | groups (top-1 mean ± sd over seeds) | effect | verdict |", "|---|---|---|---|");
      for (const c of t.comparisons) {
        const arms = c.arms.map((a) => `${a.coef > 0 ? "+" : "−"} ${a.label}: ${armText(a)}`).join("<br>");
        lines.push(`| ${c.condition} | ${arms} | ${effectText(c)} | ${c.verdict} |`);
      }
    }
    lines.push(...mechanismMarkdown(figure.mechanism));
    if (figure.files?.png) lines.push("", `![${figure.title}](${path.relative(outDir, figure.files.png)})`);
  }
  return `${lines.join("\n")}\n`;
}
