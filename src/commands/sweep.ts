// `nfx sweep FILE`: one mode per flag, one method each — the local sweep (train what the store lacks, then plot;
// the default), --dry-run, --executor slurm (submit), --collect and --status (Slurm). run() parses the flags and
// picks the mode; a mode calls experiments/ and prints what it returns.
import path from "node:path";
import { Args, Flags, type Interfaces } from "@oclif/core";
import type { BackendName } from "../core/engine/backend/backend.js";
import { figuresDirFor } from "../core/plot/outputDir.js";
import { runSize } from "../core/sweep/estimate.js";
import { pointLabel } from "../core/sweep/expand.js";
import { count } from "../core/text/plural.js";
import {
  type CollectSweepResult,
  collectSweepFile,
  type SlurmSubmitResult,
  type StatusSweepResult,
  statusSweepFile,
  submitSweepFile,
} from "../experiments/slurmSweep.js";
import {
  countDone,
  dryRunSweep,
  runSweepFile,
  type SweepDryRun,
  type SweepFileResult,
  sweepEnding,
} from "../experiments/sweepFile.js";
import { NfxCommand } from "../ui/command.js";
import { failWith, NfxFailure } from "../ui/errors.js";
import { costSummary } from "../ui/estimate.js";
import {
  backendFlag,
  dbFlag,
  failFastFlag,
  initFromFlag,
  jobsFlag,
  progressFlag,
  quietFlag,
  setFlag,
  threadsFlag,
  waitFlag,
  withInitFrom,
} from "../ui/flags.js";
import { formatDuration, table } from "../ui/format.js";
import { startTraining } from "../ui/training.js";

export default class Sweep extends NfxCommand {
  static override description =
    "Run every point of a sweep file that the store does not hold yet, then plot the sweep (or, with --executor " +
    "slurm, submit them to Slurm as one job array; see docs/slurm.md).";
  static override examples = [
    "<%= config.bin %> sweep configs/quickstart.yaml",
    "<%= config.bin %> sweep configs/quickstart.yaml --dry-run --json",
    "<%= config.bin %> sweep configs/quickstart.yaml --set train.epochs=2 --db /tmp/x.db",
    "<%= config.bin %> sweep configs/fig2a.full.yaml --executor slurm --partition gpu --time 02:00:00 --gpus-per-run 1",
    "<%= config.bin %> sweep configs/fig2a.full.yaml --status",
    "<%= config.bin %> sweep configs/fig2a.full.yaml --collect",
  ];
  static override enableJsonFlag = true;
  static override args = { config: Args.string({ description: "sweep file (YAML)", required: true }) };
  static override flags = {
    db: dbFlag,
    backend: backendFlag,
    set: setFlag,
    "init-from": initFromFlag,
    quiet: quietFlag,
    jobs: jobsFlag,
    threads: threadsFlag,
    "fail-fast": failFastFlag,
    progress: progressFlag,
    wait: waitFlag,
    "dry-run": Flags.boolean({
      description:
        "print the expanded runs, how many are done, and the steps, images and estimated time of the rest; run nothing",
    }),
    "retry-failed": Flags.boolean({ description: "also re-run runs stored as failed" }),
    out: Flags.string({
      description:
        "directory for the sweep's figure (default: figures/ beside the --db store; NAME-figures/ for a store NAME.db not named nfx.db)",
    }),
    executor: Flags.string({
      description: "local: this machine's worker pool; slurm: submit the missing runs as one Slurm job array",
      options: ["local", "slurm"],
      default: "local",
    }),
    partition: Flags.string({ description: "slurm: partition (overrides the sweep file's slurm.partition)" }),
    time: Flags.string({ description: "slurm: time limit per run, e.g. 02:00:00 (slurm.time)" }),
    "gpus-per-run": Flags.integer({ description: "slurm: GPUs per run (slurm.gpus_per_run)", min: 0 }),
    "cpus-per-run": Flags.integer({ description: "slurm: CPUs per run (slurm.cpus_per_run)", min: 1 }),
    "max-concurrent": Flags.integer({
      description: "slurm: at most this many runs at once (slurm.max_concurrent)",
      min: 1,
    }),
    "sbatch-arg": Flags.string({
      description: "slurm: extra sbatch option, e.g. --sbatch-arg=--account=lab (repeatable; slurm.sbatch_args)",
      multiple: true,
      multipleNonGreedy: true, // one value per --flag: positional arguments may follow it
      default: [],
    }),
    collect: Flags.boolean({
      description: "import the finished Slurm tasks' result shards into the store; run nothing",
    }),
    status: Flags.boolean({
      description: "show each run's state: done, queued, running, failed, interrupted, pending (Slurm)",
    }),
  };

  async run(): Promise<unknown> {
    const { args, flags } = await this.parse(Sweep);
    try {
      if (flags.collect) return this.collect(args.config, flags);
      if (flags.status) return this.status(args.config, flags);
      if (flags.executor === "slurm" && !flags["dry-run"]) return this.submit(args.config, flags);
      if (flags["dry-run"]) return await this.dryRun(args.config, flags);
      return await this.sweep(args.config, flags);
    } catch (err) {
      return failWith(this, err);
    }
  }

  /** --collect: the finished Slurm tasks' shards imported into the store. */
  private collect(file: string, flags: SweepFlags): CollectSweepResult {
    const r = collectSweepFile(file, { db: flags.db, sets: withInitFrom(flags.set, flags["init-from"]) });
    if (this.jsonEnabled()) return r;
    this.log(
      `${r.name}: ${r.imported} imported, ${r.failed} failed, ${r.interrupted} interrupted, ` +
        `${r.waiting} still in the queue → ${flags.db}`,
    );
    return r;
  }

  /** --status: each run's state, in the store and in the Slurm queue. */
  private status(file: string, flags: SweepFlags): StatusSweepResult {
    const r = statusSweepFile(file, { db: flags.db, sets: withInitFrom(flags.set, flags["init-from"]) });
    if (this.jsonEnabled()) return r;
    const counts = new Map<string, number>();
    for (const run of r.runs) counts.set(run.state, (counts.get(run.state) ?? 0) + 1);
    this.log(`${r.name}: ${[...counts].map(([s, n]) => `${n} ${s}`).join(", ")}`);
    this.log(
      table(
        ["#", "hash", "state", "store", "task", "detail", "point"],
        r.runs.map((run) => [
          String(run.index),
          run.config_hash,
          run.state,
          run.store_status ?? "-",
          run.task ?? "-",
          run.detail ?? "",
          pointText(run.point),
        ]),
      ),
    );
    return r;
  }

  /** --executor slurm: the missing runs submitted as one Slurm job array. */
  private submit(file: string, flags: SweepFlags): SlurmSubmitResult {
    const r = submitSweepFile(file, {
      db: flags.db,
      sets: withInitFrom(flags.set, flags["init-from"]),
      backend: flags.backend,
      slurm: {
        partition: flags.partition,
        time: flags.time,
        gpus_per_run: flags["gpus-per-run"],
        cpus_per_run: flags["cpus-per-run"],
        max_concurrent: flags["max-concurrent"],
        sbatch_args: flags["sbatch-arg"],
      },
      // Compute nodes start this very nfx: the same node binary and entry point, by absolute path.
      nfx: [process.execPath, path.join(this.config.root, "bin", "run.js")],
    });
    if (this.jsonEnabled()) return r;
    const collected = r.collected.imported + r.collected.failed + r.collected.interrupted;
    this.log(
      `${r.name}: ${count(r.total, "run")}, ${r.done} done, ${r.waiting} in the queue` +
        (collected
          ? ` (collected ${r.collected.imported} done, ${r.collected.failed} failed, ` +
            `${r.collected.interrupted} interrupted)`
          : "") +
        (r.jobId
          ? `; submitted ${r.submitted.length} as job array${r.arrays.length > 1 ? "s" : ""} ${r.jobId}`
          : "; nothing to submit"),
    );
    if (r.script) this.log(`script: ${r.script}`);
    return r;
  }

  /** --dry-run: the expanded runs, what the store holds of them, and what training the rest would cost; nothing runs. */
  private async dryRun(file: string, flags: SweepFlags): Promise<SweepDryRun> {
    const { sweep, result } = await dryRunSweep(file, flags.set, {
      db: flags.db,
      backend: flags.backend as BackendName,
      jobs: flags.jobs,
      retryFailed: flags["retry-failed"],
    });
    if (!flags.quiet) for (const line of sweep.warnings) this.warn(line);
    if (this.jsonEnabled()) return result;
    const { runs, estimate } = result;
    const dropped = [
      sweep.collapsed.length > 0
        ? `${sweep.collapsed.length === 1 ? "1 point is a repeat" : `${sweep.collapsed.length} points are repeats`}` +
          ` of ${runs.length === 1 ? "this run" : "these runs"}`
        : "",
      sweep.excluded ? `${sweep.excluded} point${sweep.excluded > 1 ? "s" : ""} excluded` : "",
    ].filter(Boolean);
    this.log(
      `${sweep.spec.name}: ${count(runs.length, "run")}${dropped.length ? ` (${dropped.join(", ")})` : ""}, ` +
        `${countDone(runs)} already done in ${flags.db}`,
    );
    const cost = new Map(estimate.runs.map((c) => [c.index, c]));
    this.log(
      table(
        ["#", "hash", "status", "point", "steps", "images", "time"],
        runs.map((r) => {
          const c = cost.get(r.index);
          const size = runSize(r.config);
          return [
            String(r.index),
            r.config_hash,
            r.stored_status ?? "new",
            pointText(r.point),
            size ? size.steps.toLocaleString("en-US") : "?",
            size ? size.images.toLocaleString("en-US") : "?",
            c ? (c.seconds === null ? "?" : formatDuration(c.seconds)) : "-",
          ];
        }),
      ),
    );
    for (const line of costSummary(sweep.spec.name, estimate)) this.log(line);
    return result;
  }

  /** The local sweep: train what the store lacks on this machine, plot it, and end as sweepEnding says. */
  private async sweep(file: string, flags: SweepFlags): Promise<SweepFileResult> {
    const training = startTraining(flags, this.jsonEnabled());
    const result = await runSweepFile(file, {
      db: flags.db,
      backend: flags.backend as BackendName,
      sets: withInitFrom(flags.set, flags["init-from"]),
      retryFailed: flags["retry-failed"],
      jobs: flags.jobs,
      ...(flags.threads === undefined ? {} : { threads: flags.threads }),
      failFast: flags["fail-fast"],
      figuresDir: figuresDirFor(flags.db, flags.out),
      events: training.events,
      signal: training.signal,
      stopNow: training.stopNow,
      waitForHeld: flags.wait,
      warn: (line) => (training.quiet ? undefined : this.warn(line)),
    }).finally(() => training.dispose());
    if (!training.quiet) {
      const counts = Object.entries(result.statuses)
        .map(([s, n]) => `${n} ${s}`)
        .join(", ");
      this.log(
        `${result.name}: ${counts} (${result.ran} run now, ${result.skipped} skipped` +
          `${result.elsewhere ? `, ${result.elsewhere} held by another process` : ""}) → ${flags.db}`,
      );
      if (result.figure) this.log(`figure: ${result.figure.svg} (spec ${result.figure.spec})`);
      if (result.statuses.collapsed)
        this.log(
          `collapsed runs are results and are not trained again: \`nfx runs --status collapsed\` says which rule ` +
            `judged them; \`nfx runs rm ID --yes\` then \`nfx sweep ${file}\` trains one again`,
        );
    }
    const ending = sweepEnding(result, `nfx sweep ${file}`, `${result.name}: `);
    if (ending.unfinished) throw new NfxFailure(ending.unfinished);
    if (ending.failed) process.stderr.write(`nfx: error: ${ending.failed}\n`);
    return this.finish(result, ending.exitStatus);
  }
}

type SweepFlags = Interfaces.InferredFlags<typeof Sweep.flags>;

function pointText(point: Record<string, unknown>): string {
  return pointLabel(point);
}
