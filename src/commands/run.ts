// `nfx run`: one run, trained as a sweep of one (experiments/sweepFile.ts) and ended the way `nfx sweep` ends
// (sweepEnding); prints the stored run.
import { Flags } from "@oclif/core";
import type { BackendName } from "../core/engine/backend/backend.js";
import { figuresDirFor } from "../core/plot/outputDir.js";
import { RunStore, type StoredRun } from "../core/store/runStore.js";
import { runSweepFile, sweepEnding } from "../experiments/sweepFile.js";
import { NfxCommand } from "../ui/command.js";
import { failWith, NfxFailure } from "../ui/errors.js";
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
import { startTraining } from "../ui/training.js";

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
    out: Flags.string({
      description:
        "directory for the run's figure (default: figures/ beside the --db store; NAME-figures/ for a store NAME.db not named nfx.db)",
    }),
    hash: Flags.string({ description: "fail unless the run's config hash is this one (Slurm tasks use it)" }),
    shard: Flags.string({
      description: "store the run in this result shard (a small SQLite file) instead of --db; used by Slurm tasks",
    }),
  };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(Run);
    try {
      const training = startTraining(flags, this.jsonEnabled(), true);
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
        events: training.events,
        signal: training.signal,
        stopNow: training.stopNow,
        waitForHeld: flags.wait,
        single: true,
        warn: (line) => (training.quiet ? undefined : this.warn(line)),
      }).finally(() => training.dispose());
      const run = storedRun(db, result.runIds[0] as number);
      const ending = sweepEnding(result, "nfx run", "");
      if (ending.unfinished) throw new NfxFailure(ending.unfinished);
      if (!training.quiet && run) {
        this.log(
          `run ${run.id} (${run.config_hash}): ${run.status}, test top-1 ${formatPercent(run.summary?.test_top1)}`,
        );
      }
      if (ending.failed) process.stderr.write(`nfx: error: ${ending.failed}\n`);
      return this.finish(run, ending.exitStatus);
    } catch (err) {
      return failWith(this, err);
    }
  }
}

/** The run as the store holds it now. */
function storedRun(db: string, id: number): StoredRun | undefined {
  const store = RunStore.open(db, { readonly: true });
  try {
    return store.getRun(id);
  } finally {
    store.close();
  }
}
