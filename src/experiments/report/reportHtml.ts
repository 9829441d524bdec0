// The report as one offline HTML page: per claim, the paper's statement in our words, the verdict, the evidence
// table, and the figure beside it (rendered in the page by the inlined vega-embed).
import { embedScript, escapeHtml, inlineVegaScripts, PAGE_STYLE } from "../../core/plot/offlineHtml.js";
import type { VegaLiteSpec } from "../../core/plot/render.js";
import { claimsInOrder, type Report } from "./buildReport.js";
import {
  addSeedsText,
  armText,
  claimRunsLines,
  effectText,
  ruleText,
  verdictClass,
  whoseRunsText,
} from "./evidenceText.js";
import { fractionText, gainText, type MechanismTable, mechanismNote } from "./mechanism.js";

function mechanismHtml(m: MechanismTable | null): string {
  if (!m) return "";
  const head = [m.keys.join(" · ") || "group", "runs", ...m.roles.map((r) => `clip ${r}`), "|skip gain| end (mean)"];
  const rows = m.rows
    .map((r) => {
      const cells = [
        r.group,
        `${r.runs} (${r.outcomes})`,
        ...m.roles.map((role) => fractionText(r.clip[role] ?? null)),
        `${gainText(r.skipGainEnd)} (${gainText(r.skipGainMean)})`,
      ];
      return `<tr>${cells.map((c) => `<td>${escapeHtml(c)}</td>`).join("")}</tr>`;
    })
    .join("\n");
  return `<h4>Why: clip fractions over training and the skip gains' size</h4>
<table><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join("")}</tr>
${rows}</table>
<p class="muted">${escapeHtml(mechanismNote(m))}</p>`;
}

const LAYOUT = `.claim-body{display:flex;gap:1.5rem;flex-wrap:wrap}.claim-text{flex:1 1 420px}.claim-figure{flex:0 1 auto}`;

type Ordered = ReturnType<typeof claimsInOrder>[number];
type Test = Ordered["claim"]["tests"][number];
type Chart = { id: string; spec: VegaLiteSpec };

/** The table of contents: each claim's verdict and figure, linked to its section. */
function summaryRows(ordered: readonly Ordered[]): string {
  return ordered
    .map(
      ({ figure, claim }) =>
        `<tr><td>${claim.rule.id}</td><td><a href="#claim-${claim.rule.id}">${escapeHtml(claim.rule.title)}</a></td>` +
        `<td class="${verdictClass(claim.verdict)}">${claim.verdict}</td><td>${escapeHtml(figure.figure)}</td></tr>`,
    )
    .join("\n");
}

/** A test's verdict, what it measures and its rule, and its comparisons' evidence. */
function testHtml(t: Test): string {
  const rows = t.comparisons
    .map((c) => {
      const arms = c.arms
        .map((a) => `${a.coef > 0 ? "+" : "−"} ${escapeHtml(a.label)}: ${escapeHtml(armText(a))}`)
        .join("<br>");
      return `<tr><td>${escapeHtml(c.condition)}</td><td>${arms}</td><td>${escapeHtml(effectText(c))}</td><td class="${verdictClass(c.verdict)}">${c.verdict}</td></tr>`;
    })
    .join("\n");
  const table = t.comparisons.length
    ? `<table><tr><th>condition</th><th>groups (top-1 mean ± sd over seeds)</th><th>effect (95% CI)</th><th>verdict</th></tr>\n${rows}</table>`
    : `<p class="muted">No condition could be compared: the figure's runs are missing.</p>`;
  return `<h4>Test: <span class="${verdictClass(t.verdict)}">${t.verdict}</span></h4>
<p>${escapeHtml(t.measures)}.<br><span class="muted">Rule: ${escapeHtml(ruleText(t))}.</span></p>
${table}`;
}

/** The figure's place in the page (its chart joins `charts`), or what to run when there is nothing to draw. */
function figureHtml(report: Report, { figure, claim }: Ordered, charts: Chart[]): string {
  if (!figure.spec && !report.preset) return `<p class="muted">No runs to draw.</p>`;
  if (!figure.spec)
    return `<p class="muted">No runs to draw: <code>nfx report --run-missing --preset ${report.preset}</code> or <code>nfx figure ${escapeHtml(figure.figure)} --preset ${report.preset} --run-missing</code></p>`;
  const id = `figure-${claim.rule.id}`;
  charts.push({ id, spec: figure.spec });
  return `<div id="${id}"></div>`;
}

/** The runs behind a claim: those a preset's figure holds, or those a selection's claim used and left out, and why. */
function runsHtml({ figure, claim }: Ordered): string {
  const matched = claimRunsLines(claim);
  if (!matched.length)
    return `<p class="muted">Runs: ${figure.runs} of ${figure.expected} of <code>${escapeHtml(figure.sweep)}</code>; ${escapeHtml(figure.devices)}.</p>`;
  return `<ul class="muted">${matched.map((l) => `<li>${escapeHtml(l)}</li>`).join("")}</ul>
<p class="muted">${escapeHtml(figure.devices)}.</p>`;
}

function claimSection(report: Report, ordered: Ordered, charts: Chart[]): string {
  const { figure, claim } = ordered;
  const tests = claim.tests.map(testHtml).join("\n");
  return `<section class="claim" id="claim-${claim.rule.id}">
<h2>Claim ${claim.rule.id}: ${escapeHtml(claim.rule.title)} — <span class="${verdictClass(claim.verdict)}">${claim.verdict}</span></h2>
<div class="claim-body"><div class="claim-text">
<p><em>The paper, in our words:</em> ${escapeHtml(claim.rule.paper)}</p>
${claim.rule.scope ? `<p><em>Scope:</em> ${escapeHtml(claim.rule.scope)}</p>` : ""}
${runsHtml(ordered)}
${tests}
${mechanismHtml(figure.mechanism)}
</div><div class="claim-figure">${figureHtml(report, ordered, charts)}</div></div>
</section>`;
}

export function reportHtml(report: Report): string {
  const charts: Chart[] = [];
  const ordered = claimsInOrder(report);
  const summary = summaryRows(ordered);
  const sections = ordered.map((o) => claimSection(report, o, charts));
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>nfx report: AGC claims</title>
<style>${PAGE_STYLE}${LAYOUT}</style>
${inlineVegaScripts()}
</head>
<body>
<h1>nfx report: the paper's AGC claims, checked against the stored runs</h1>
<p>Store <code>${escapeHtml(report.db)}</code>, ${escapeHtml(whoseRunsText(report))}, generated ${escapeHtml(report.generated_at)}.
A claim holds only when the runs show it beyond seed noise: each test compares groups of seed replicates and
decides from the 95% Welch t-interval of the effect against the rule's margin. Diverged and collapsed runs count as
failures to train (diverged at chance top-1, collapsed at their measured top-1). A best λ is picked per seed on the
other seeds, never on the seed it is measured on. Where the runs cannot decide, the evidence says how many seeds per
arm would: ${escapeHtml(addSeedsText(report)).replace(/`([^`]+)`/g, "<code>$1</code>")}.</p>
<table><tr><th>#</th><th>claim</th><th>verdict</th><th>figure</th></tr>
${summary}
</table>
${sections.join("\n")}
${embedScript(charts)}
</body>
</html>
`;
}
