// The report as markdown: the same verdicts and evidence as the HTML page, figures linked as PNG.
import path from "node:path";
import { claimsInOrder, type Report } from "./buildReport.js";
import { armText, effectText, ruleText } from "./evidenceText.js";

export function reportMarkdown(report: Report, outDir: string): string {
  const lines: string[] = [
    "# nfx report: the paper's AGC claims, checked against the stored runs",
    "",
    `Store \`${report.db}\`, preset \`${report.preset}\`, generated ${report.generated_at}. A claim holds only when the`,
    "runs show it beyond seed noise (95% Welch t-interval of the effect against the rule's margin).",
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
    lines.push(`Runs: ${figure.runs} of ${figure.expected} of \`${figure.sweep}\`; ${figure.devices}.`);
    if (!figure.runs)
      lines.push("", `Run them with \`nfx figure ${figure.figure} --preset ${report.preset} --run-missing\`.`);
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
    if (figure.files?.png) lines.push("", `![${figure.title}](${path.relative(outDir, figure.files.png)})`);
  }
  return `${lines.join("\n")}\n`;
}
