import { Args } from "@oclif/core";
import { flatten } from "../../core/config/dotted.js";
import { CHECKPOINT_KIND } from "../../core/store/checkpointRecords.js";
import { notesOf, type RunNotes } from "../../core/store/runNotes.js";
import { type RunDetail, runDetail } from "../../core/store/runQuery.js";
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
        const detail = runDetail(store, args.id);
        if (!detail) throw new Error(`no run '${args.id}' in ${flags.db} (see nfx runs)`);
        const notes = notesOf(store, [detail.id]).get(detail.id) ?? null;
        if (!this.jsonEnabled()) for (const text of [...detailText(detail), ...notesText(notes)]) this.log(text);
        return notes ? { ...detail, notes } : detail;
      } finally {
        store.close();
      }
    } catch (err) {
      return failWith(this, err);
    }
  }
}

const kv = (o: Record<string, unknown>, write = cell) =>
  table(
    ["key", "value"],
    Object.entries(o).map(([k, v]) => [k, write(v)]),
  );

/** The run's status line, then one titled section per kind of record it has. */
function detailText(run: RunDetail): string[] {
  return [
    `run ${run.id} ${run.config_hash}: ${run.status}${run.error ? ` (${run.error})` : ""}${ownerText(run)}`,
    `attempts ${run.attempts}, steps ${run.steps_done}/${run.steps_total ?? "?"}, created ${run.created_at}` +
      `${run.finished_at ? `, finished ${run.finished_at}` : ""}${run.duration_s !== null ? ` (${run.duration_s.toFixed(1)} s)` : ""}`,
    "\nconfig",
    kv(Object.fromEntries(flatten(run.config as unknown as Record<string, unknown>)), configCell),
    ...(run.summary ? ["\nsummary", kv(run.summary)] : []),
    ...environmentText(run),
    ...recordsText(run),
  ];
}

/** The run's tags and note (`nfx runs tag|note`), when it has any. */
function notesText(notes: RunNotes | null): string[] {
  if (!notes) return [];
  return [
    "\nnotes",
    ...(notes.tags.length ? [`tags: ${notes.tags.join(", ")}`] : []),
    ...(notes.note ? [`note: ${notes.note}`] : []),
  ];
}

/** Who trains a running run, and whether it is alive (StoredRun.owner_alive). */
function ownerText(run: RunDetail): string {
  if (run.status !== "running" || !run.owner) return "";
  const who = `pid ${run.owner.pid} on ${run.owner_alive === null ? `host ${run.owner.host}` : "this host"}`;
  if (run.owner_alive === false) return ` — owner ${who} is dead; the next sweep re-queues the run`;
  const beat = run.heartbeat_at ? `, heartbeat ${run.heartbeat_at} by its clock` : "";
  return ` — owner ${who}${run.owner_alive ? " is alive" : beat}`;
}

function environmentText(run: RunDetail): string[] {
  if (!run.environment) return [];
  const { extra, ...env } = run.environment;
  return ["\nenvironment", kv({ ...env, ...extra })];
}

/** Metrics, evaluations, checkpoints and other artifacts: a section each, when there are any. */
function recordsText(run: RunDetail): string[] {
  const out: string[] = [];
  if (run.metrics.length) {
    out.push(
      "\nmetrics",
      table(
        ["name", "steps", "last"],
        run.metrics.map((m) => [m.name, String(m.count), cell(m.last)]),
      ),
    );
  }
  if (run.evals.length) {
    out.push(
      "\nevals",
      table(
        ["step", "split", "top1", "loss", "n"],
        run.evals.map((e) => [String(e.step), e.split, cell(e.top1), cell(e.loss), String(e.n)]),
      ),
    );
  }
  if (run.checkpoints.length) {
    out.push(
      "\ncheckpoints",
      table(
        ["step", "kind", "path", "bytes", "sha256", "saved"],
        run.checkpoints.map((c) => [
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
  const others = run.artifacts.filter((a) => a.kind !== CHECKPOINT_KIND);
  if (others.length) {
    out.push(
      "\nartifacts",
      table(
        ["kind", "path", "sha256"],
        others.map((a) => [a.kind, a.path, (a.sha256 ?? "—").slice(0, 16)]),
      ),
    );
  }
  return out;
}
