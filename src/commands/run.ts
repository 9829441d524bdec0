import { Flags } from "@oclif/core";
import type { BackendName } from "../core/engine/backend.js";
import { figuresDirFor } from "../core/plot/outputDir.js";
import { RunStore } from "../core/store/runStore.js";
import { failedReason, runSweepFile, unfinishedReason } from "../experiments/sweepFile.js";
import { NfxCommand } from "../ui/command.js";
import { failWith } from "../ui/errors.js";
import {
  backendFlag,
  dbFlag,
  initFromFlag,
  progressFlag,
  quietFlag,
  setFlag,
  threadsFlag,
  waitFlag,
  withInitFrom,
} from "../ui/flags.js";
import { formatPercent } from "../ui/format.js";
import { listenForInterrupts } from "../ui/interrupt.js";
import { sweepJsonProgress, sweepProgress } from "../ui/progress.js";

export default class Run extends NfxCommand {
  static override description = "Train one run from a config file and/or --set overrides, and store it.";
  static override examples = [
    "<%= config.bin %> run --config configs/fashion.quick.yaml",
    "<%= config.bin %> run --config runs/HASH.json --hash HASH --shard shards/HASH.db",
    "<%= config.bin %> run --set model.name=nf-resnet-micro --set agc.lambda=0.02 --set data.name=synthetic",
  ];
  static override enableJsonFlag = true;
  static override flags = {
    config: Flags.string({ char: "c", description: "config file (YAML) describing one run" }),
    set: setFlag,
    "init-from": initFromFlag,
    db: dbFlag,
    backend: backendFlag,
    threads: threadsFlag,
    quiet: quietFlag,
    progress: progressFlag,
    wait: waitFlag,
    "retry-failed": Flags.boolean({ description: "re-run the config if it is stored as failed" }),
    out: Flags.string({ description: "directory for the run's figure (default: figures/ beside the --db store)" }),
    hash: Flags.string({ description: "fail unless the run's config hash is this one (Slurm tasks use it)" }),
    shard: Flags.string({
      description: "store the run in this result shard (a small SQLite file) instead of --db; used by Slurm tasks",
    }),
  };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(Run);
    try {
      const interrupts = listenForInterrupts();
      const quiet = flags.quiet || (this.jsonEnabled() && flags.progress !== "jsonl");
      const db = flags.shard ?? flags.db;
      const result = await runSweepFile(flags.config ?? null, {
        db,
        shard: flags.shard !== undefined,
        expectHash: flags.hash,
        backend: flags.backend as BackendName,
        sets: withInitFrom(flags.set, flags["init-from"]),
        retryFailed: flags["retry-failed"],
        figuresDir: figuresDirFor(db, flags.out),
        jobs: 1,
        ...(flags.threads === undefined ? {} : { threads: flags.threads }),
        events: quiet
          ? undefined
          : flags.progress === "jsonl"
            ? sweepJsonProgress()
            : sweepProgress(process.stderr, { single: true }),
        signal: interrupts.signal,
        stopNow: interrupts.now,
        waitForHeld: flags.wait,
        single: true,
        warn: (line) => this.warn(line),
      }).finally(() => interrupts.dispose());
      const store = RunStore.open(db, { readonly: true });
      const run = store.getRun(result.runIds[0] as number);
      store.close();
      const unfinished = result.interrupted ? null : unfinishedReason(result);
      if (unfinished) throw new Error(unfinished);
      if (!quiet && run) {
        this.log(
          `run ${run.id} (${run.config_hash}): ${run.status}, test top-1 ${formatPercent(run.summary?.test_top1)}`,
        );
      }
      if (result.interrupted) return this.finish(run, 130);
      const failed = failedReason(result, "nfx run");
      if (failed) {
        process.stderr.write(`nfx: error: ${failed}\n`);
        return this.finish(run, 1);
      }
      return run;
    } catch (err) {
      return failWith(this, err);
    }
  }
}
