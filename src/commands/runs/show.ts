import { Args } from "@oclif/core";
import { flatten } from "../../core/config/dotted.js";
import { CHECKPOINT_KIND, checkpointRows } from "../../core/store/checkpointRecords.js";
import { RunStore } from "../../core/store/runStore.js";
import { collectPendingShards } from "../../experiments/slurmSweep.js";
import { cell, configCell } from "../../ui/cells.js";
import { NfxCommand } from "../../ui/command.js";
import { failWith } from "../../ui/errors.js";
import { dbFlag } from "../../ui/flags.js";
import { table } from "../../ui/format.js";

export default class RunsShow extends NfxCommand {
  static override description =
    "Show one run: config, summary, environment, metric names, evaluations, checkpoints and other artifacts.";
  static override examples = ["<%= config.bin %> runs show 3", "<%= config.bin %> runs show 1a2b3c --json"];
  static override enableJsonFlag = true;
  static override args = { id: Args.string({ description: "run id or a prefix of its config hash", required: true }) };
  static override flags = { db: dbFlag };

  async run(): Promise<unknown> {
    const { args, flags } = await this.parse(RunsShow);
    try {
      // Results of Slurm tasks that finished since the last look come in first.
      collectPendingShards(flags.db);
      const store = RunStore.open(flags.db, { readonly: true });
      try {
        const run = store.getRun(args.id);
        if (!run) throw new Error(`no run '${args.id}' in ${flags.db} (see nfx runs)`);
        const detail = {
          ...run,
          metrics: store.metricNames(run.id),
          evals: store.evals(run.id),
          artifacts: store.artifacts(run.id),
          checkpoints: checkpointRows(store, run.id),
        };
        if (this.jsonEnabled()) return detail;
        const kv = (o: Record<string, unknown>, write = cell) =>
          table(
            ["key", "value"],
            Object.entries(o).map(([k, v]) => [k, write(v)]),
          );
        this.log(`run ${run.id} ${run.config_hash}: ${run.status}${run.error ? ` (${run.error})` : ""}`);
        this.log(
          `attempts ${run.attempts}, steps ${run.steps_done}/${run.steps_total ?? "?"}, created ${run.created_at}` +
            `${run.finished_at ? `, finished ${run.finished_at}` : ""}${run.duration_s !== null ? ` (${run.duration_s.toFixed(1)} s)` : ""}`,
        );
        this.log("\nconfig");
        this.log(kv(Object.fromEntries(flatten(run.config as unknown as Record<string, unknown>)), configCell));
        if (run.summary) {
          this.log("\nsummary");
          this.log(kv(run.summary));
        }
        if (run.environment) {
          const { extra, ...env } = run.environment;
          this.log("\nenvironment");
          this.log(kv({ ...env, ...extra }));
        }
        if (detail.metrics.length) {
          this.log("\nmetrics");
          this.log(
            table(
              ["name", "steps", "last"],
              detail.metrics.map((m) => [m.name, String(m.count), cell(m.last)]),
            ),
          );
        }
        if (detail.evals.length) {
          this.log("\nevals");
          this.log(
            table(
              ["step", "split", "top1", "loss", "n"],
              detail.evals.map((e) => [String(e.step), e.split, cell(e.top1), cell(e.loss), String(e.n)]),
            ),
          );
        }
        if (detail.checkpoints.length) {
          this.log("\ncheckpoints");
          this.log(
            table(
              ["step", "kind", "path", "bytes", "sha256", "saved"],
              detail.checkpoints.map((c) => [
                String(c.step),
                c.final ? "final" : "resume",
                c.path,
                cell(c.bytes),
                (c.sha256 ?? "—").slice(0, 16),
                c.created_at,
              ]),
            ),
          );
        }
        const others = detail.artifacts.filter((a) => a.kind !== CHECKPOINT_KIND);
        if (others.length) {
          this.log("\nartifacts");
          this.log(
            table(
              ["kind", "path", "sha256"],
              others.map((a) => [a.kind, a.path, (a.sha256 ?? "—").slice(0, 16)]),
            ),
          );
        }
        return detail;
      } finally {
        store.close();
      }
    } catch (err) {
      return failWith(this, err);
    }
  }
}
