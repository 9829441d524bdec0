import { Flags } from "@oclif/core";
import { groupRuns, inertNote, type RunGroup, seedPoolingKeys } from "../core/store/groupRuns.js";
import { notesOf, type RunNotes } from "../core/store/runNotes.js";
import { fieldList, queryRuns, runColumns } from "../core/store/runQuery.js";
import { RUN_STATUSES, RunStore, type StoredRun } from "../core/store/runStore.js";
import { resolveField } from "../core/store/where/index.js";
import { collectPendingShards } from "../experiments/slurmSweep.js";
import { configCell, fieldCell, meanCiCell } from "../ui/cells.js";
import { NfxCommand } from "../ui/command.js";
import { configKeyCell, differingConfigKeys } from "../ui/differingColumns.js";
import { failWith } from "../ui/errors.js";
import { dbFlag } from "../ui/flags.js";
import { formatDuration, formatPercent, table } from "../ui/format.js";
import { collapsedNote, statusCell } from "../ui/runStatusCell.js";

export default class Runs extends NfxCommand {
  static override description =
    "List, filter, sort and summarize the runs in the store (see also: runs show, runs rm, query, export).";
  static override examples = [
    `<%= config.bin %> runs --where "agc.lambda <= 0.04 and train.batch_size in (256, 1024) or status = 'diverged'"`,
    "<%= config.bin %> runs --sort -test_top1 --columns id,agc.lambda,train.batch_size,test_top1",
    "<%= config.bin %> runs --group-by agc.lambda,train.batch_size --metrics test_top1,final_loss",
  ];
  static override enableJsonFlag = true;
  static override flags = {
    db: dbFlag,
    status: Flags.string({ description: "only runs with this status", options: [...RUN_STATUSES] }),
    where: Flags.string({
      char: "w",
      description:
        "filter: comparisons (= != < <= > >= in, like, contains, is null) of config keys, summary metrics and columns, joined by and/or/not; lists as shown (agc.exclude = 'classifier_weight,stem_conv')",
    }),
    sort: Flags.string({
      description: "comma-separated fields; prefix '-' for descending (e.g. -test_top1,agc.lambda)",
    }),
    columns: Flags.string({ char: "c", description: "comma-separated fields to show (e.g. id,agc.lambda,test_top1)" }),
    "group-by": Flags.string({
      char: "g",
      description:
        "group by these fields; metrics as mean ± 95% CI over seeds (a config key that differs inside a group splits it too)",
    }),
    metrics: Flags.string({ description: "metrics summarized by --group-by", default: "test_top1,final_loss" }),
    limit: Flags.integer({ description: "at most this many runs", min: 1 }),
  };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(Runs);
    try {
      // Results of Slurm tasks that finished since the last look come in first.
      collectPendingShards(flags.db);
      const store = RunStore.open(flags.db, { readonly: true });
      try {
        const runs = queryRuns(store, {
          where: flags.where,
          status: flags.status,
          sort: flags.sort,
          limit: flags.limit,
        });
        if (flags["group-by"]) {
          const asked = fieldList(flags["group-by"]);
          const metrics = fieldList(flags.metrics);
          const groups = groupRuns(runs, asked, metrics);
          if (!this.jsonEnabled()) this.log(groupsText(runs, groups, asked, metrics));
          return groups;
        }
        const columns = fieldList(flags.columns);
        if (this.jsonEnabled()) return columns.length ? runColumns(runs, columns) : runs;
        if (runs.length === 0) this.log(`no runs${flags.where || flags.status ? " match" : ""} in ${flags.db}`);
        else
          this.log(
            columns.length
              ? columnsTable(runs, columns)
              : runsTable(
                  runs,
                  notesOf(
                    store,
                    runs.map((r) => r.id),
                  ),
                ),
          );
        const note = collapsedNote(runs);
        if (note) this.log(note);
        return runs;
      } finally {
        store.close();
      }
    } catch (err) {
      return failWith(this, err);
    }
  }
}

/** The groups' table, after a line naming the keys the groups were split by beyond those asked for. */
function groupsText(
  runs: readonly StoredRun[],
  groups: readonly RunGroup[],
  asked: readonly string[],
  metrics: readonly string[],
): string {
  // Runs that differ in more than the seed are never pooled: the groups were split by these keys too.
  const split = seedPoolingKeys(runs, asked);
  const note = split.length
    ? `also grouped by ${split.join(", ")}: runs in a group differed in it, and only seeds are pooled\n`
    : "";
  const by = [...asked, ...split];
  const inert = inertNote(groups);
  return (
    note +
    (inert ? `${inert}\n` : "") +
    table(
      [...by, "runs", "statuses", ...metrics],
      groups.map((g) => [
        ...by.map((b) => fieldCell(b, g.key[b])),
        String(g.runs),
        Object.entries(g.statuses)
          .map(([s, n]) => `${n} ${s}`)
          .join(", "),
        ...metrics.map((m) => meanCiCell(m, g.metrics[m] ?? { n: 0, mean: null, ci95: null, std: null })),
      ]),
    )
  );
}

function columnsTable(runs: readonly StoredRun[], columns: readonly string[]): string {
  const refs = columns.map((c) => [c, resolveField(c)] as const);
  return table(
    [...columns],
    runs.map((r) => refs.map(([c, ref]) => fieldCell(c, ref.value(r)))),
  );
}

/** The config keys the runs table always shows (they are its columns model … seed). */
const SHOWN_KEYS = ["model.name", "data.name", "agc.granularity", "agc.lambda", "train.batch_size", "seed"];

/** A run's tags, and ✎ when it has a note (`nfx runs tag|note`; `nfx runs show` prints the note). */
function tagsCell(notes: RunNotes | undefined): string {
  if (!notes) return "";
  return [notes.tags.join(","), notes.note ? "✎" : ""].filter(Boolean).join(" ");
}

/**
 * The default runs table, with a column for each config key the listed runs differ in beyond its own, and the runs'
 * tags (and ✎ for a note) when any listed run has some.
 */
function runsTable(runs: readonly StoredRun[], notes: ReadonlyMap<number, RunNotes>): string {
  const extra = differingConfigKeys(runs, SHOWN_KEYS);
  const tagged = runs.some((r) => notes.has(r.id));
  return table(
    [
      "id",
      "hash",
      "status",
      "model",
      "data",
      "clip",
      "λ",
      "batch",
      "seed",
      ...extra,
      "steps",
      "test top-1",
      "time",
      ...(tagged ? ["tags"] : []),
    ],
    runs.map((r) => [
      String(r.id),
      r.config_hash.slice(0, 10),
      // kill -9 leaves a run `running` until a sweep re-queues it: say that nothing trains it.
      r.owner_alive === false ? `${r.status} (owner dead)` : statusCell(r),
      r.config.model.name,
      r.config.data.name,
      r.config.agc.granularity,
      configCell(r.config.agc.lambda),
      String(r.config.train.batch_size),
      String(r.config.seed),
      ...extra.map((k) => configKeyCell(r, k)),
      `${r.steps_done}/${r.steps_total ?? "?"}`,
      formatPercent(r.summary?.test_top1),
      r.duration_s === null ? "—" : formatDuration(r.duration_s),
      ...(tagged ? [tagsCell(notes.get(r.id))] : []),
    ]),
  );
}
