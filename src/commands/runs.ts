import { Command, Flags } from "@oclif/core";
import { RUN_STATUSES, type RunStatus, RunStore } from "../core/store/runStore.js";
import { failWith } from "../ui/errors.js";
import { dbFlag } from "../ui/flags.js";
import { formatDuration, formatPercent, table } from "../ui/format.js";

export default class Runs extends Command {
  static override description = "List the runs in the store.";
  static override enableJsonFlag = true;
  static override flags = {
    db: dbFlag,
    status: Flags.string({ description: "only runs with this status", options: [...RUN_STATUSES] }),
  };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(Runs);
    try {
      const store = RunStore.open(flags.db, { readonly: true });
      try {
        const runs = store.listRuns({ status: flags.status as RunStatus | undefined });
        if (this.jsonEnabled()) return runs;
        if (runs.length === 0) {
          this.log(`no runs in ${flags.db}`);
          return runs;
        }
        this.log(
          table(
            ["id", "hash", "status", "model", "data", "clip", "λ", "batch", "seed", "steps", "test top-1", "time"],
            runs.map((r) => [
              String(r.id),
              r.config_hash.slice(0, 10),
              r.status,
              r.config.model.name,
              r.config.data.name,
              r.config.agc.granularity,
              r.config.agc.lambda === null ? "—" : String(r.config.agc.lambda),
              String(r.config.train.batch_size),
              String(r.config.seed),
              `${r.steps_done}/${r.steps_total ?? "?"}`,
              formatPercent(r.summary?.test_top1),
              r.duration_s === null ? "—" : formatDuration(r.duration_s),
            ]),
          ),
        );
        return runs;
      } finally {
        store.close();
      }
    } catch (err) {
      return failWith(this, err);
    }
  }
}
