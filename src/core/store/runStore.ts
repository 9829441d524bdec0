// The run store: one SQLite file (better-sqlite3, WAL) holding sweeps, runs, per-step metrics and evaluations.
// Only the sweep's orchestrator writes it (a training run reports; it never writes).
import { createHash, randomUUID } from "node:crypto";
import fs from "node:fs";
import type Database from "better-sqlite3";
import type { RunConfig } from "../config/schema.js";
import { openReadonly, openWritable, retryBusy, type StoreWait, storeWait } from "./connection.js";
import { pidAlive, type RunOwner, thisOwner } from "./runOwner.js";
import { MIGRATIONS, SCHEMA_VERSION } from "./schema.js";

export const DEFAULT_DB = "results/nfx.db";

export const RUN_STATUSES = ["pending", "running", "completed", "diverged", "failed", "interrupted"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
/** Statuses whose run is finished and is not re-run by a sweep. */
export const DONE_STATUSES: ReadonlySet<RunStatus> = new Set<RunStatus>(["completed", "diverged"]);

export interface RunEnvironment {
  backend: string;
  backend_version: string;
  device: string;
  host: string;
  node_version: string;
  nfx_version: string;
  git_commit: string | null;
  git_dirty: boolean | null;
  /** Anything else worth keeping (package versions, threads, SIMD…). */
  extra: Record<string, unknown>;
}

export interface RunSummary {
  test_top1: number | null;
  final_loss: number | null;
  steps: number;
  images_per_s: number | null;
  [key: string]: unknown;
}

export interface StoredRun {
  id: number;
  config_hash: string;
  status: RunStatus;
  config: RunConfig;
  summary: RunSummary | null;
  error: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  duration_s: number | null;
  steps_total: number | null;
  steps_done: number;
  environment: RunEnvironment | null;
  attempts: number;
  owner: RunOwner | null;
  heartbeat_at: string | null;
}

/** One flush of what running runs reported: written in a single transaction. */
export interface WriteBatch {
  metrics: { runId: number; rows: MetricRow[]; stepsDone: number }[];
  evals: { runId: number; step: number; split: string; top1: number; loss: number | null; n: number }[];
}

export interface OrphanedRun {
  id: number;
  reason: string;
}

export interface MetricRow {
  step: number;
  name: string;
  value: number;
}

export interface ArtifactRow {
  kind: string;
  path: string;
  sha256: string | null;
  bytes: number | null;
  created_at: string;
}

export interface EvalRow {
  step: number;
  split: string;
  top1: number;
  loss: number | null;
  n: number;
}

interface RunRow {
  id: number;
  config_hash: string;
  status: RunStatus;
  config_json: string;
  summary_json: string | null;
  error: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  duration_s: number | null;
  steps_total: number | null;
  steps_done: number;
  env_json: string | null;
  attempts: number;
  owner_host: string | null;
  owner_pid: number | null;
  heartbeat_at: string | null;
}

function now(): string {
  return new Date().toISOString();
}

export interface OpenOptions {
  readonly?: boolean;
  /**
   * A Slurm task's result shard: one writer, possibly on a network filesystem, where WAL's shared-memory index
   * does not work; a rollback journal does.
   */
  shard?: boolean;
  /** Refuse to create a store that is not there (for writing commands on a store the user names). */
  mustExist?: boolean;
  /** How long to wait for a store another process holds (default: storeWait(), from NFX_STORE_WAIT_S). */
  wait?: StoreWait;
}

export class RunStore {
  readonly db: Database.Database;

  private constructor(
    readonly file: string,
    db: Database.Database,
    readonly wait: StoreWait,
  ) {
    this.db = db;
  }

  /**
   * Opens and migrates a store, creating it unless read-only or mustExist. Read-only opens read stores this process
   * cannot write (see openReadonly). Throws "no such store" for a missing store where it may not be created,
   * "not an SQLite database" for another file, and StoreBusyError when another process holds it past `wait`.
   */
  static open(file: string = DEFAULT_DB, opts: OpenOptions = {}): RunStore {
    const wait = opts.wait ?? storeWait();
    if (opts.readonly) {
      const db = openReadonly(file, wait);
      const store = new RunStore(file, db, wait);
      try {
        const v = db.pragma("user_version", { simple: true }) as number;
        if (v > SCHEMA_VERSION)
          throw new Error(`${file}: store schema v${v} is newer than this nfx (v${SCHEMA_VERSION})`);
      } catch (err) {
        db.close();
        throw err;
      }
      return store;
    }
    const db = openWritable(file, { shard: opts.shard, mustExist: opts.mustExist, wait });
    const store = new RunStore(file, db, wait);
    try {
      store.migrate();
    } catch (err) {
      db.close();
      throw err;
    }
    return store;
  }

  private migrate(): void {
    const v = this.db.pragma("user_version", { simple: true }) as number;
    if (v > SCHEMA_VERSION)
      throw new Error(`${this.file}: store schema v${v} is newer than this nfx (v${SCHEMA_VERSION})`);
    for (let i = v; i < MIGRATIONS.length; i++) {
      this.write(`migrating it to schema v${i + 1}`, () => {
        // Another process may have migrated it while this one waited for the lock.
        if ((this.db.pragma("user_version", { simple: true }) as number) > i) return;
        this.db.exec(MIGRATIONS[i] as string);
        this.db.pragma(`user_version = ${i + 1}`);
      });
    }
  }

  /**
   * Runs `fn` as one BEGIN IMMEDIATE transaction (the write lock taken before anything is read), retried whole
   * while another process holds the store (see retryBusy); `what` names the operation in the error given after
   * the wait. Inside another write, `fn` simply runs as part of it.
   */
  write<T>(what: string, fn: () => T): T {
    if (this.db.inTransaction) return fn();
    return retryBusy(this.file, this.wait, what, () => this.db.transaction(fn).immediate());
  }

  /** Runs a read, retried while the store is busy (rare with WAL: recovery, a rollback-journal shard). */
  read<T>(fn: () => T): T {
    if (this.db.inTransaction) return fn();
    return retryBusy(this.file, this.wait, "reading it", fn);
  }

  close(): void {
    this.db.close();
  }

  createSweep(name: string, file: string | null, spec: unknown): number {
    return this.write("recording a sweep", () => {
      const r = this.db
        .prepare("INSERT INTO sweeps (name, file, spec_json, created_at, uid, host, pid) VALUES (?, ?, ?, ?, ?, ?, ?)")
        .run(name, file, JSON.stringify(spec), now(), randomUUID(), thisOwner().host, process.pid);
      return Number(r.lastInsertRowid);
    });
  }

  /** Records how a sweep invocation ended. */
  finishSweep(id: number, outcome: unknown): void {
    this.write("recording how a sweep ended", () => {
      this.db
        .prepare("UPDATE sweeps SET finished_at = ?, outcome_json = ? WHERE id = ?")
        .run(now(), JSON.stringify(outcome), id);
    });
  }

  /** Registers many runs in one transaction (see ensureRun). */
  ensureRuns(
    runs: readonly { config: RunConfig; hash: string }[],
    sweepId: number | null,
  ): { id: number; status: RunStatus }[] {
    return this.write("registering runs", () => runs.map((r) => this.ensureRun(r.config, r.hash, sweepId)));
  }

  /**
   * Finds runs left `running` by an orchestrator that is gone: its pid is dead (same host), or its heartbeat is
   * older than `staleSeconds` (any host). Marks them interrupted so that a sweep re-runs them. Compare-and-set on
   * owner and heartbeat, so a run that a live orchestrator touches meanwhile is left alone.
   */
  reapOrphans(staleSeconds: number, alive: (pid: number) => boolean = pidAlive): OrphanedRun[] {
    const me = thisOwner();
    return this.write("reclaiming orphaned runs", () => {
      const rows = this.db
        .prepare("SELECT id, owner_host, owner_pid, heartbeat_at FROM runs WHERE status = 'running'")
        .all() as { id: number; owner_host: string | null; owner_pid: number | null; heartbeat_at: string | null }[];
      const reaped: OrphanedRun[] = [];
      const mark = this.db.prepare(
        `UPDATE runs SET status = 'interrupted', error = ?, owner_host = NULL, owner_pid = NULL, worker_pid = NULL
         WHERE id = ? AND status = 'running' AND owner_pid IS ? AND heartbeat_at IS ?`,
      );
      const t = Date.now();
      for (const r of rows) {
        const mine = r.owner_host === me.host && r.owner_pid === me.pid;
        if (mine) continue;
        const beat = r.heartbeat_at ? Date.parse(r.heartbeat_at) : 0;
        const age = (t - beat) / 1000;
        let reason: string | null = null;
        if (r.owner_host === me.host && r.owner_pid !== null && !alive(r.owner_pid)) {
          reason = `orphaned: owner process ${r.owner_pid} is gone`;
        } else if (age > staleSeconds) {
          reason = `orphaned: no heartbeat for ${Math.round(age)} s (owner ${r.owner_host ?? "?"}:${r.owner_pid ?? "?"})`;
        }
        if (reason && mark.run(reason, r.id, r.owner_pid, r.heartbeat_at).changes === 1) {
          reaped.push({ id: r.id, reason });
        }
      }
      return reaped;
    });
  }

  /**
   * Atomically takes a run for `owner`: succeeds only when the run is pending or interrupted (or failed, with
   * retryFailed), so two orchestrators never train the same run. Clears what an earlier attempt left behind.
   */
  claimRun(id: number, owner: RunOwner, retryFailed: boolean): boolean {
    return this.write(`claiming run ${id}`, () => {
      const t = now();
      const r = this.db
        .prepare(
          `UPDATE runs SET status = 'running', owner_host = ?, owner_pid = ?, heartbeat_at = ?, worker_pid = NULL,
             attempts = attempts + 1, started_at = NULL, finished_at = NULL, duration_s = NULL, steps_done = 0,
             test_top1 = NULL, final_loss = NULL, summary_json = NULL, error = NULL
           WHERE id = ? AND (status IN ('pending', 'interrupted') OR (status = 'failed' AND ?))`,
        )
        .run(owner.host, owner.pid, t, id, retryFailed ? 1 : 0);
      if (r.changes !== 1) return false;
      this.db.prepare("DELETE FROM metrics WHERE run_id = ?").run(id);
      this.db.prepare("DELETE FROM evals WHERE run_id = ?").run(id);
      return true;
    });
  }

  /** Records the environment and length of a claimed run once its worker has started it. */
  recordStart(id: number, env: RunEnvironment, stepsTotal: number, workerPid: number | null): void {
    this.write(`recording the start of run ${id}`, () => {
      const t = now();
      this.db
        .prepare(
          `UPDATE runs SET started_at = ?, heartbeat_at = ?, steps_total = ?, worker_pid = ?,
             backend = ?, backend_version = ?, device = ?, host = ?, node_version = ?, nfx_version = ?,
             git_commit = ?, git_dirty = ?, env_json = ?
           WHERE id = ?`,
        )
        .run(
          t,
          t,
          stepsTotal,
          workerPid,
          env.backend,
          env.backend_version,
          env.device,
          env.host,
          env.node_version,
          env.nfx_version,
          env.git_commit,
          env.git_dirty === null ? null : env.git_dirty ? 1 : 0,
          JSON.stringify(env),
          id,
        );
    });
  }

  /**
   * Writes one batch of reported metrics and evals, and refreshes the heartbeat of every run `owner` holds, in
   * one transaction. Rows of runs that `owner` no longer holds (reaped meanwhile) are dropped.
   */
  writeBatch(batch: WriteBatch, owner: RunOwner): void {
    const held = this.db.prepare(
      "SELECT 1 FROM runs WHERE id = ? AND status = 'running' AND owner_host = ? AND owner_pid = ?",
    );
    const ins = this.db.prepare("INSERT OR REPLACE INTO metrics (run_id, step, name, value) VALUES (?, ?, ?, ?)");
    const steps = this.db.prepare("UPDATE runs SET steps_done = ? WHERE id = ?");
    const ev = this.db.prepare(
      "INSERT OR REPLACE INTO evals (run_id, step, split, top1, loss, n) VALUES (?, ?, ?, ?, ?, ?)",
    );
    this.write("writing metrics", () => {
      const holds = new Map<number, boolean>();
      const holdsRun = (id: number) => {
        let h = holds.get(id);
        if (h === undefined) {
          h = held.get(id, owner.host, owner.pid) !== undefined;
          holds.set(id, h);
        }
        return h;
      };
      for (const m of batch.metrics) {
        if (!holdsRun(m.runId)) continue;
        for (const r of m.rows) ins.run(m.runId, r.step, r.name, Number.isFinite(r.value) ? r.value : null);
        steps.run(m.stepsDone, m.runId);
      }
      for (const e of batch.evals) {
        if (holdsRun(e.runId)) ev.run(e.runId, e.step, e.split, e.top1, e.loss, e.n);
      }
      this.db
        .prepare("UPDATE runs SET heartbeat_at = ? WHERE status = 'running' AND owner_host = ? AND owner_pid = ?")
        .run(now(), owner.host, owner.pid);
    });
  }

  /** Ends a run that `owner` holds (a no-op for a run reaped meanwhile). Returns whether it was written. */
  finishOwnedRun(
    id: number,
    owner: RunOwner,
    status: RunStatus,
    summary: RunSummary | null,
    error: string | null,
  ): boolean {
    return this.write(`recording the end of run ${id}`, () => {
      const held = this.db
        .prepare("SELECT 1 FROM runs WHERE id = ? AND status = 'running' AND owner_host = ? AND owner_pid = ?")
        .get(id, owner.host, owner.pid);
      if (!held) return false;
      this.finishRun(id, status, summary, error);
      this.db.prepare("UPDATE runs SET owner_host = NULL, owner_pid = NULL, worker_pid = NULL WHERE id = ?").run(id);
      return true;
    });
  }

  /** Deletes runs with their metrics, evals, artifacts and sweep links. Returns how many were deleted. */
  deleteRuns(ids: readonly number[]): number {
    const del = this.db.prepare("DELETE FROM runs WHERE id = ?");
    return this.write("deleting runs", () => ids.reduce((n, id) => n + del.run(id).changes, 0));
  }

  /** Records a file a run produced (content-hashed when it exists). */
  addArtifact(runId: number, kind: string, file: string, meta: Record<string, unknown> | null = null): void {
    let sha: string | null = null;
    let bytes: number | null = null;
    if (fs.existsSync(file)) {
      const buf = fs.readFileSync(file);
      sha = createHash("sha256").update(buf).digest("hex");
      bytes = buf.length;
    }
    this.write(`recording an artifact of run ${runId}`, () => {
      this.db
        .prepare(
          `INSERT INTO artifacts (run_id, kind, path, sha256, bytes, created_at, meta_json) VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (run_id, kind, path) DO UPDATE SET sha256 = excluded.sha256, bytes = excluded.bytes,
             created_at = excluded.created_at, meta_json = excluded.meta_json`,
        )
        .run(runId, kind, file, sha, bytes, now(), meta ? JSON.stringify(meta) : null);
    });
  }

  artifacts(runId: number): ArtifactRow[] {
    return this.read(
      () =>
        this.db
          .prepare("SELECT kind, path, sha256, bytes, created_at FROM artifacts WHERE run_id = ? ORDER BY id")
          .all(runId) as ArtifactRow[],
    );
  }

  evals(runId: number): EvalRow[] {
    return this.read(
      () =>
        this.db
          .prepare("SELECT step, split, top1, loss, n FROM evals WHERE run_id = ? ORDER BY split, step")
          .all(runId) as EvalRow[],
    );
  }

  /** Metric names of a run with their count and last value. */
  metricNames(runId: number): { name: string; count: number; last: number | null }[] {
    return this.read(
      () =>
        this.db
          .prepare(
            `SELECT name, count(*) AS count,
               (SELECT value FROM metrics m2 WHERE m2.run_id = m.run_id AND m2.name = m.name ORDER BY step DESC LIMIT 1)
                 AS last
             FROM metrics m WHERE run_id = ? GROUP BY name ORDER BY name`,
          )
          .all(runId) as { name: string; count: number; last: number | null }[],
    );
  }

  /**
   * Registers a run by config hash (once: the hash is unique) and links it to a sweep.
   * Returns the run's id and current status.
   */
  ensureRun(config: RunConfig, hash: string, sweepId: number | null): { id: number; status: RunStatus } {
    return this.write("registering a run", () => {
      this.db
        .prepare(
          `INSERT OR IGNORE INTO runs (config_hash, config_json, status, model, dataset, agc_granularity, agc_lambda,
             batch_size, seed, optim_lr, created_at)
           VALUES (?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          hash,
          JSON.stringify(config),
          config.model.name,
          config.data.name,
          config.agc.granularity,
          config.agc.lambda,
          config.train.batch_size,
          config.seed,
          config.optim.lr,
          now(),
        );
      const row = this.db.prepare("SELECT id, status FROM runs WHERE config_hash = ?").get(hash) as {
        id: number;
        status: RunStatus;
      };
      if (sweepId !== null) {
        this.db.prepare("INSERT OR IGNORE INTO sweep_runs (sweep_id, run_id) VALUES (?, ?)").run(sweepId, row.id);
      }
      return row;
    });
  }

  /** Marks a run as running, clearing what an earlier, unfinished attempt left behind. */
  startRun(id: number, env: RunEnvironment, stepsTotal: number): void {
    this.write(`starting run ${id}`, () => {
      this.db.prepare("DELETE FROM metrics WHERE run_id = ?").run(id);
      this.db.prepare("DELETE FROM evals WHERE run_id = ?").run(id);
      this.db
        .prepare(
          `UPDATE runs SET status = 'running', finished_at = NULL, duration_s = NULL, steps_done = 0,
             test_top1 = NULL, final_loss = NULL, summary_json = NULL, error = NULL
           WHERE id = ?`,
        )
        .run(id);
      this.recordStart(id, env, stepsTotal, null);
    });
  }

  /** Appends per-step metrics in one transaction and refreshes the heartbeat. */
  appendMetrics(id: number, rows: readonly MetricRow[], stepsDone: number): void {
    const ins = this.db.prepare("INSERT OR REPLACE INTO metrics (run_id, step, name, value) VALUES (?, ?, ?, ?)");
    this.write(`writing metrics of run ${id}`, () => {
      for (const r of rows) ins.run(id, r.step, r.name, Number.isFinite(r.value) ? r.value : null);
      this.db.prepare("UPDATE runs SET steps_done = ?, heartbeat_at = ? WHERE id = ?").run(stepsDone, now(), id);
    });
  }

  addEval(id: number, step: number, split: string, top1: number, loss: number | null, n: number): void {
    this.write(`writing an evaluation of run ${id}`, () => {
      this.db
        .prepare("INSERT OR REPLACE INTO evals (run_id, step, split, top1, loss, n) VALUES (?, ?, ?, ?, ?, ?)")
        .run(id, step, split, top1, loss, n);
    });
  }

  finishRun(id: number, status: RunStatus, summary: RunSummary | null, error: string | null): void {
    this.write(`recording the end of run ${id}`, () => {
      const row = this.db.prepare("SELECT started_at FROM runs WHERE id = ?").get(id) as {
        started_at: string | null;
      };
      const finished = now();
      const duration = row?.started_at ? (Date.parse(finished) - Date.parse(row.started_at)) / 1000 : null;
      this.db
        .prepare(
          `UPDATE runs SET status = ?, finished_at = ?, duration_s = ?, summary_json = ?, test_top1 = ?,
             final_loss = ?, error = ? WHERE id = ?`,
        )
        .run(
          status,
          finished,
          duration,
          summary ? JSON.stringify(summary) : null,
          summary?.test_top1 ?? null,
          summary?.final_loss ?? null,
          error,
          id,
        );
    });
  }

  private toStored(r: RunRow): StoredRun {
    return {
      id: r.id,
      config_hash: r.config_hash,
      status: r.status,
      config: JSON.parse(r.config_json) as RunConfig,
      summary: r.summary_json ? (JSON.parse(r.summary_json) as RunSummary) : null,
      error: r.error,
      created_at: r.created_at,
      started_at: r.started_at,
      finished_at: r.finished_at,
      duration_s: r.duration_s,
      steps_total: r.steps_total,
      steps_done: r.steps_done,
      environment: r.env_json ? (JSON.parse(r.env_json) as RunEnvironment) : null,
      attempts: r.attempts,
      owner: r.owner_host !== null && r.owner_pid !== null ? { host: r.owner_host, pid: r.owner_pid } : null,
      heartbeat_at: r.heartbeat_at,
    };
  }

  /** All runs (optionally of one sweep), oldest first. */
  listRuns(opts: { sweepId?: number; status?: RunStatus } = {}): StoredRun[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (opts.sweepId !== undefined) {
      where.push("id IN (SELECT run_id FROM sweep_runs WHERE sweep_id = ?)");
      args.push(opts.sweepId);
    }
    if (opts.status) {
      where.push("status = ?");
      args.push(opts.status);
    }
    const sql = `SELECT * FROM runs ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY id`;
    return this.read(() => this.db.prepare(sql).all(...args) as RunRow[]).map((r) => this.toStored(r));
  }

  /** Runs matching a compiled filter, in a compiled order (see runQuery.ts). */
  selectRuns(
    where: { sql: string; params: unknown[] } | null,
    order: { sql: string; params: unknown[] },
    limit: number | null,
  ): StoredRun[] {
    const sql =
      `SELECT * FROM runs ${where ? `WHERE ${where.sql}` : ""} ORDER BY ${order.sql}` +
      (limit !== null ? " LIMIT ?" : "");
    const params = [...(where?.params ?? []), ...order.params, ...(limit !== null ? [limit] : [])];
    return this.read(() => this.db.prepare(sql).all(...params) as RunRow[]).map((r) => this.toStored(r));
  }

  /**
   * A run by numeric id, or by a user's reference (see runCandidates): undefined when nothing matches. Throws
   * AmbiguousRunError when a reference matches more than one run, and an Error for a reference that is neither
   * an id nor hex digits.
   */
  getRun(ref: string | number): StoredRun | undefined {
    if (typeof ref === "number") {
      const row = this.read(() => this.db.prepare("SELECT * FROM runs WHERE id = ?").get(ref) as RunRow | undefined);
      return row ? this.toStored(row) : undefined;
    }
    const found = this.runCandidates(ref);
    if (found.length > 1) throw new AmbiguousRunError(ref, found);
    return found[0]?.run;
  }

  /**
   * Every run a user's reference names, with how: a run id (digits only), or a prefix of the config hash (at least
   * MIN_HASH_PREFIX hex digits, any case; matched exactly, never as a LIKE pattern). A short all-digit reference
   * is only an id; a longer one is both, so "1234" names run 1234 and runs whose hash starts with 1234 ("id:1234"
   * is only the id).
   * Throws for a reference that can be neither.
   */
  runCandidates(ref: string): { run: StoredRun; by: "id" | "hash" }[] {
    const byId = /^id:/i.test(ref.trim());
    const text = byId ? ref.trim().slice(3) : ref.trim();
    const isId = /^\d+$/.test(text);
    const isHash = !byId && /^[0-9a-f]+$/i.test(text) && text.length >= MIN_HASH_PREFIX;
    if (!isId && !isHash) {
      throw new Error(
        !byId && /^[0-9a-f]+$/i.test(text)
          ? `'${ref}': too short for a config-hash prefix (give at least ${MIN_HASH_PREFIX} hex digits, or a run id)`
          : `'${ref}': not a run id (digits) or a config-hash prefix (hex digits)`,
      );
    }
    const out: { run: StoredRun; by: "id" | "hash" }[] = [];
    this.read(() => {
      if (isId) {
        const row = this.db.prepare("SELECT * FROM runs WHERE id = ?").get(Number(text)) as RunRow | undefined;
        if (row) out.push({ run: this.toStored(row), by: "id" });
      }
      if (isHash) {
        const prefix = text.toLowerCase();
        // A range on the unique index, then an exact comparison: hashes are lowercase hex.
        const rows = this.db
          .prepare(
            "SELECT * FROM runs WHERE config_hash >= ? AND config_hash < ? AND substr(config_hash, 1, ?) = ? ORDER BY id",
          )
          .all(prefix, `${prefix}g`, prefix.length, prefix) as RunRow[];
        for (const r of rows) if (!out.some((o) => o.run.id === r.id)) out.push({ run: this.toStored(r), by: "hash" });
      }
    });
    return out;
  }

  metrics(id: number, name?: string): MetricRow[] {
    return this.read(
      () =>
        (name
          ? this.db
              .prepare("SELECT step, name, value FROM metrics WHERE run_id = ? AND name = ? ORDER BY step")
              .all(id, name)
          : this.db
              .prepare("SELECT step, name, value FROM metrics WHERE run_id = ? ORDER BY name, step")
              .all(id)) as MetricRow[],
    );
  }
}

/** The fewest hex digits of a config hash that name a run (as git's shortest abbreviation). */
export const MIN_HASH_PREFIX = 4;

/** A user's run reference that names more than one run; the message lists them. */
export class AmbiguousRunError extends Error {
  constructor(
    readonly ref: string,
    readonly candidates: readonly { run: StoredRun; by: "id" | "hash" }[],
  ) {
    const list = candidates
      .map((c) => `run ${c.run.id} (${c.by === "id" ? "by id" : `hash ${c.run.config_hash}`})`)
      .join(", ");
    const byId = candidates.some((c) => c.by === "id");
    super(
      `'${ref}' is ambiguous: it names ${list}; give more digits of the hash${byId ? ` (or id:${ref.trim()} for the id)` : ""}`,
    );
    this.name = "AmbiguousRunError";
  }
}
