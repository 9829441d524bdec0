import { Args, Command, Flags } from "@oclif/core";
import type { BackendName } from "../core/engine/backend.js";
import { countDone, planSweep, runSweepFile } from "../experiments/sweepFile.js";
import { failWith } from "../ui/errors.js";
import { backendFlag, dbFlag, failFastFlag, jobsFlag, progressFlag, quietFlag, setFlag } from "../ui/flags.js";
import { table } from "../ui/format.js";
import { sweepJsonProgress, sweepProgress } from "../ui/progress.js";

export default class Sweep extends Command {
  static override description =
    "Run every point of a sweep file that the store does not hold yet, then plot the sweep.";
  static override examples = [
    "<%= config.bin %> sweep configs/quickstart.yaml",
    "<%= config.bin %> sweep configs/quickstart.yaml --dry-run --json",
    "<%= config.bin %> sweep configs/quickstart.yaml --set train.epochs=2 --db /tmp/x.db",
  ];
  static override enableJsonFlag = true;
  static override args = { config: Args.string({ description: "sweep file (YAML)", required: true }) };
  static override flags = {
    db: dbFlag,
    backend: backendFlag,
    set: setFlag,
    quiet: quietFlag,
    jobs: jobsFlag,
    "fail-fast": failFastFlag,
    progress: progressFlag,
    "dry-run": Flags.boolean({ description: "print the expanded runs and how many are done; run nothing" }),
    "retry-failed": Flags.boolean({ description: "also re-run runs stored as failed" }),
    out: Flags.string({ description: "directory for the sweep's figure", default: "results/figures" }),
  };

  async run(): Promise<unknown> {
    const { args, flags } = await this.parse(Sweep);
    try {
      if (flags["dry-run"]) {
        const { sweep, runs } = planSweep(args.config, flags.set, flags.db);
        if (this.jsonEnabled()) return runs;
        this.log(`${sweep.spec.name}: ${runs.length} runs, ${countDone(runs)} already done in ${flags.db}`);
        this.log(
          table(
            ["#", "hash", "status", "point"],
            runs.map((r) => [
              String(r.index),
              r.config_hash,
              r.stored_status ?? "new",
              Object.entries(r.point)
                .map(([k, v]) => `${k}=${v === null ? "none" : String(v)}`)
                .join(" "),
            ]),
          ),
        );
        return runs;
      }
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
      const quiet = flags.quiet || (this.jsonEnabled() && flags.progress !== "jsonl");
      const result = await runSweepFile(args.config, {
        db: flags.db,
        backend: flags.backend as BackendName,
        sets: flags.set,
        retryFailed: flags["retry-failed"],
        jobs: flags.jobs,
        failFast: flags["fail-fast"],
        figuresDir: flags.out,
        events: quiet ? undefined : flags.progress === "jsonl" ? sweepJsonProgress() : sweepProgress(),
        signal: controller.signal,
      });
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      if (!quiet) {
        const counts = Object.entries(result.statuses)
          .map(([s, n]) => `${n} ${s}`)
          .join(", ");
        this.log(
          `${result.name}: ${counts} (${result.ran} run now, ${result.skipped} skipped` +
            `${result.elsewhere ? `, ${result.elsewhere} running elsewhere` : ""}) → ${flags.db}`,
        );
        if (result.figure) this.log(`figure: ${result.figure.svg} (spec ${result.figure.spec})`);
      }
      if (result.interrupted) this.exit(130);
      if (result.failedFast) this.exit(1);
      return result;
    } catch (err) {
      return failWith(this, err);
    }
  }
}
