import { Flags, type Interfaces } from "@oclif/core";
import type { BackendName } from "../core/engine/backend/backend.js";
import { besideStore, checkWritableOut } from "../core/plot/outputDir.js";
import { parseFormats } from "../core/plot/render.js";
import type { Preset } from "../experiments/figures/types.js";
import { buildReport, claimsInOrder } from "../experiments/report/buildReport.js";
import { claimRunsLines, whoseRunsText } from "../experiments/report/evidenceText.js";
import { parseReportPreset } from "../experiments/report/reportPreset.js";
import { type ClaimSummary, type ReportOutcome, reportResult, trainedFor } from "../experiments/report/reportResult.js";
import {
  estimateReport,
  parseBudget,
  type ReportCost,
  ReportInterrupted,
  runReport,
} from "../experiments/report/reportSweep.js";
import { collectPendingShards } from "../experiments/slurmSweep.js";
import { NfxCommand } from "../ui/command.js";
import { failWith } from "../ui/errors.js";
import { costSummary, costTable } from "../ui/estimate.js";
import { backendFlag, dbFlag, quietFlag } from "../ui/flags.js";
import { formatDuration, table } from "../ui/format.js";
import { listenForInterrupts } from "../ui/interrupt.js";
import { sweepProgress } from "../ui/progress.js";

/** The preset --run-missing trains (and its --dry-run prices): quick unless told otherwise, as before --sweep and
 * --where existed. */
function runMissingPreset(flags: { preset?: string }): Preset {
  return parseReportPreset(flags.preset ?? "quick");
}

export default class Report extends NfxCommand {
  static override description =
    "Check each AGC claim of the paper against stored runs: holds, does not hold, or not enough runs, with the evidence. Writes report.html (offline) and report.md.\n\n" +
    "Whose runs: by default every stored run (--sweep NAME: a stored sweep's runs; --where EXPR: those the filter keeps); each claim is tested on the runs that differ only in what it compares (seeds pooled), and the report names the runs it used and, for the others, why it could not use them. --preset quick|full: each figure's preset sweep, as the paper's figures.\n\n" +
    "--run-missing first trains every run the report's figures lack, as one sweep over their presets (a run two figures share is trained once; interrupted, the same command continues). --add-seeds then adds, within --budget, the seeds per arm that would decide the claims left 'not enough runs'.";
  static override examples = [
    "<%= config.bin %> report",
    "<%= config.bin %> report --sweep my-ablation",
    "<%= config.bin %> report --where \"data.name = 'fashion-mnist' and optim.lr = 0.4\" --json",
    "<%= config.bin %> report --run-missing --preset quick",
    "<%= config.bin %> report --run-missing --add-seeds --budget 30m --jobs 2",
    "<%= config.bin %> report --preset full --out results/report --json",
  ];
  static override enableJsonFlag = true;
  static override flags = {
    preset: Flags.string({
      description:
        "whose runs decide: the quick or the full presets' sweeps (with --run-missing, default quick); fig2b's standard preset alone: --sweep fig2b.standard",
    }),
    sweep: Flags.string({
      description: "judge the runs of this stored sweep (by name) instead of every stored run",
      exclusive: ["preset", "run-missing"],
    }),
    where: Flags.string({
      description: "judge the stored runs this filter keeps (the `nfx runs --where` language)",
      exclusive: ["preset", "run-missing"],
    }),
    "run-missing": Flags.boolean({
      description: "train the runs of the report's figures that the store lacks first (one sweep, one progress bar)",
    }),
    "add-seeds": Flags.boolean({
      description:
        "after the missing runs, add seeds to the claims left 'not enough runs', as many as would decide them",
      dependsOn: ["run-missing"],
    }),
    "dry-run": Flags.boolean({
      description:
        "with --run-missing: print the runs it would train, their steps and images and the estimated time; train nothing",
      dependsOn: ["run-missing"],
    }),
    budget: Flags.string({
      description:
        "wall-time budget for --add-seeds (default 30m), e.g. 30m, 1h30m, 90s (estimated from stored run durations)",
      dependsOn: ["add-seeds"],
    }),
    jobs: Flags.integer({ description: "worker processes for --run-missing (default: the number of cores)", min: 1 }),
    out: Flags.string({
      description:
        "directory for report.html, report.md and the figures (default: report/ beside the --db store; NAME-report/ for a store NAME.db not named nfx.db)",
    }),
    format: Flags.string({ description: "formats of the figures beside the report", default: "json,svg,png" }),
    db: dbFlag,
    backend: backendFlag,
    quiet: quietFlag,
  };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(Report);
    try {
      if (flags["dry-run"]) return await this.dryRun(flags);
      const started = performance.now();
      const written = await this.writeReport(flags);
      const seconds = (performance.now() - started) / 1000;
      const result = reportResult(written, seconds);
      const trained = trainedFor(written);
      if (!this.jsonEnabled()) for (const line of reportText(written, result.claims, seconds)) this.log(line);
      const withEstimate = trained?.estimate ? { ...result, estimate: trained.estimate } : result;
      if (trained?.failed) {
        process.stderr.write(`nfx: error: report: ${trained.failed}\n`);
        return this.finish({ ...withEstimate, failed: trained.failed }, 1);
      }
      return withEstimate;
    } catch (err) {
      // Stopped by Ctrl-C: like an interrupted sweep, exit 130; the stored runs stay and the same command continues.
      if (err instanceof ReportInterrupted) {
        if (!this.jsonEnabled()) this.logToStderr(err.message);
        return this.finish({ interrupted: true, message: err.message }, 130);
      }
      return failWith(this, err);
    }
  }

  /** --run-missing --dry-run: the runs the report's figures lack and what training them would cost; nothing runs. */
  private async dryRun(flags: ReportFlags): Promise<ReportCost> {
    const cost = await estimateReport(runMissingPreset(flags), {
      db: flags.db,
      backend: flags.backend as BackendName,
      jobs: flags.jobs,
    });
    if (this.jsonEnabled()) return cost;
    this.log(costTable(cost.runs));
    for (const line of costSummary(`report (${cost.figures.map((f) => f.file).join(", ")})`, cost)) this.log(line);
    if (flags["add-seeds"]) this.log("  --add-seeds: the seeds it adds depend on the results, so they are not counted");
    return cost;
  }

  /** Builds the report, first training what it lacks with --run-missing (one sweep, one progress bar). */
  private async writeReport(flags: ReportFlags): Promise<ReportOutcome> {
    const formats = parseFormats(flags.format);
    const budget = flags["add-seeds"] ? parseBudget(flags.budget ?? "30m") : null;
    const out = besideStore(flags.db, "report", flags.out);
    checkWritableOut(out, "the report", flags.out !== undefined);
    if (!flags["run-missing"]) {
      const preset = flags.preset === undefined ? undefined : parseReportPreset(flags.preset);
      return buildReport({ preset, sweep: flags.sweep, where: flags.where, db: flags.db, out, formats });
    }
    const preset = runMissingPreset(flags);
    const quiet = flags.quiet || this.jsonEnabled();
    collectPendingShards(flags.db);
    const interrupts = listenForInterrupts();
    return runReport({
      preset,
      db: flags.db,
      out,
      formats,
      backend: flags.backend as BackendName,
      jobs: flags.jobs,
      addSeedsBudget: budget,
      events: quiet ? undefined : sweepProgress(),
      signal: interrupts.signal,
      stopNow: interrupts.now,
      // A full preset's cost, shown before its first run trains (estimatesFirst).
      onEstimate: quiet ? undefined : (cost) => this.logLines(costSummary(`report --preset ${preset}`, cost)),
    }).finally(() => interrupts.dispose());
  }

  private logLines(lines: readonly string[]): void {
    for (const line of lines) this.log(line);
  }
}

type ReportFlags = Interfaces.InferredFlags<typeof Report.flags>;

/** What --run-missing trained and the seeds it added or left, then the claims' table and the files written. */
function reportText(written: ReportOutcome, claims: readonly ClaimSummary[], seconds: number): string[] {
  const lines: string[] = [];
  const trained = trainedFor(written);
  if (trained) {
    lines.push(
      `report: ${trained.planned} runs across the figures (${trained.figures.map((f) => `${f.figure} ${f.runs}${f.shared ? `, ${f.shared} shared` : ""}`).join("; ")}); ` +
        `${trained.ran} trained now in ${formatDuration(seconds)}`,
    );
    for (const a of trained.seeds?.added ?? [])
      lines.push(`  seeds added: claim ${a.claim}, ${a.condition}: ${a.perArm} per arm (${a.runs} runs)`);
    for (const s of trained.seeds?.skipped ?? [])
      lines.push(`  seeds not added: claim ${s.claim}, ${s.condition}: ${s.perArm} per arm; ${s.reason}`);
  }
  if (written.report.selected) lines.push(`report: ${whoseRunsText(written.report)}`);
  lines.push(
    table(
      ["#", "claim", "verdict", "figure", "runs"],
      claims.map((c) => [String(c.id), c.title, c.verdict, c.figure, String(c.runs)]),
    ),
  );
  // Decided from selected runs: per claim, the runs it used and those it left out, with why.
  for (const { claim } of claimsInOrder(written.report)) {
    const [first, ...rest] = claimRunsLines(claim);
    if (first) lines.push(`claim ${claim.rule.id}: ${first}`, ...rest.map((l) => `  ${l}`));
  }
  lines.push(`report: ${written.html} (markdown ${written.markdown})`);
  return lines;
}
