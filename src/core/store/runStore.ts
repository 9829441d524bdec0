// The run store: one SQLite file (better-sqlite3, WAL) holding sweeps, runs, per-step metrics and evaluations.
// Only the sweep's orchestrator writes it (a training run reports; it never writes).
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import type { RunConfig } from "../config/schema.js";
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
}

export interface MetricRow {
  step: number;
  name: string;
  value: number;
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
}

const SQLITE_MAGIC = "SQLite format 3\0";

/** Throws, leaving the file untouched, when `file` exists and is not an SQLite database. */
function assertSqliteOrAbsent(file: string): void {
  if (file === ":memory:" || !fs.existsSync(file)) return;
  const st = fs.statSync(file);
  if (!st.isFile()) throw new Error(`${file}: not a file`);
  if (st.size === 0) return;
  const fd = fs.openSync(file, "r");
  try {
    const buf = Buffer.alloc(16);
    fs.readSync(fd, buf, 0, 16, 0);
    if (buf.toString("latin1") !== SQLITE_MAGIC)
      throw new Error(`${file}: not an SQLite database (refusing to touch it)`);
  } finally {
    fs.closeSync(fd);
  }
}

function now(): string {
  return new Date().toISOString();
}

export interface OpenOptions {
  readonly?: boolean;
}

export class RunStore {
  readonly db: Database.Database;

  private constructor(
    readonly file: string,
    db: Database.Database,
  ) {
    this.db = db;
  }

  /** Opens (creating if needed, unless read-only) and migrates a store. */
  static open(file: string = DEFAULT_DB, opts: OpenOptions = {}): RunStore {
    assertSqliteOrAbsent(file);
    if (opts.readonly) {
      if (!fs.existsSync(file)) throw new Error(`${file}: no such store (run a sweep first)`);
      const db = new Database(file, { readonly: true, fileMustExist: true });
      const store = new RunStore(file, db);
      const v = db.pragma("user_version", { simple: true }) as number;
      if (v > SCHEMA_VERSION)
        throw new Error(`${file}: store schema v${v} is newer than this nfx (v${SCHEMA_VERSION})`);
      return store;
    }
    if (file !== ":memory:") fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    const db = new Database(file);
    db.pragma("journal_mode = WAL");
    db.pragma("busy_timeout = 10000");
    db.pragma("foreign_keys = ON");
    db.pragma("synchronous = NORMAL");
    const store = new RunStore(file, db);
    store.migrate();
    return store;
  }

  private migrate(): void {
    const v = this.db.pragma("user_version", { simple: true }) as number;
    if (v > SCHEMA_VERSION)
      throw new Error(`${this.file}: store schema v${v} is newer than this nfx (v${SCHEMA_VERSION})`);
    for (let i = v; i < MIGRATIONS.length; i++) {
      this.db
        .transaction(() => {
          this.db.exec(MIGRATIONS[i] as string);
          this.db.pragma(`user_version = ${i + 1}`);
        })
        .immediate();
    }
  }

  close(): void {
    this.db.close();
  }

  createSweep(name: string, file: string | null, spec: unknown): number {
    const r = this.db
      .prepare("INSERT INTO sweeps (name, file, spec_json, created_at) VALUES (?, ?, ?, ?)")
      .run(name, file, JSON.stringify(spec), now());
    return Number(r.lastInsertRowid);
  }

  /**
   * Registers a run by config hash (once: the hash is unique) and links it to a sweep.
   * Returns the run's id and current status.
   */
  ensureRun(config: RunConfig, hash: string, sweepId: number | null): { id: number; status: RunStatus } {
    return this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT OR IGNORE INTO runs (config_hash, config_json, status, model, dataset, agc_granularity, agc_lambda,
             batch_size, seed, created_at)
           VALUES (?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?)`,
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
    })();
  }

  /** Marks a run as running, clearing what an earlier, unfinished attempt left behind. */
  startRun(id: number, env: RunEnvironment, stepsTotal: number): void {
    this.db.transaction(() => {
      this.db.prepare("DELETE FROM metrics WHERE run_id = ?").run(id);
      this.db.prepare("DELETE FROM evals WHERE run_id = ?").run(id);
      const t = now();
      this.db
        .prepare(
          `UPDATE runs SET status = 'running', started_at = ?, heartbeat_at = ?, finished_at = NULL, duration_s = NULL,
             steps_total = ?, steps_done = 0, test_top1 = NULL, final_loss = NULL, summary_json = NULL, error = NULL,
             backend = ?, backend_version = ?, device = ?, host = ?, node_version = ?, nfx_version = ?,
             git_commit = ?, git_dirty = ?, env_json = ?
           WHERE id = ?`,
        )
        .run(
          t,
          t,
          stepsTotal,
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
    })();
  }

  /** Appends per-step metrics in one transaction and refreshes the heartbeat. */
  appendMetrics(id: number, rows: readonly MetricRow[], stepsDone: number): void {
    const ins = this.db.prepare("INSERT OR REPLACE INTO metrics (run_id, step, name, value) VALUES (?, ?, ?, ?)");
    this.db.transaction(() => {
      for (const r of rows) ins.run(id, r.step, r.name, Number.isFinite(r.value) ? r.value : null);
      this.db.prepare("UPDATE runs SET steps_done = ?, heartbeat_at = ? WHERE id = ?").run(stepsDone, now(), id);
    })();
  }

  addEval(id: number, step: number, split: string, top1: number, loss: number | null, n: number): void {
    this.db
      .prepare("INSERT OR REPLACE INTO evals (run_id, step, split, top1, loss, n) VALUES (?, ?, ?, ?, ?, ?)")
      .run(id, step, split, top1, loss, n);
  }

  finishRun(id: number, status: RunStatus, summary: RunSummary | null, error: string | null): void {
    const row = this.db.prepare("SELECT started_at FROM runs WHERE id = ?").get(id) as { started_at: string | null };
    const finished = now();
    const duration = row?.started_at ? (Date.parse(finished) - Date.parse(row.started_at)) / 1000 : null;
    this.db
      .prepare(
        `UPDATE runs SET status = ?, finished_at = ?, duration_s = ?, summary_json = ?, test_top1 = ?, final_loss = ?,
           error = ? WHERE id = ?`,
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
    return (this.db.prepare(sql).all(...args) as RunRow[]).map((r) => this.toStored(r));
  }

  /** A run by numeric id or by (a prefix of) its config hash. */
  getRun(ref: string | number): StoredRun | undefined {
    const row =
      typeof ref === "number" || /^\d+$/.test(ref)
        ? (this.db.prepare("SELECT * FROM runs WHERE id = ?").get(Number(ref)) as RunRow | undefined)
        : (this.db.prepare("SELECT * FROM runs WHERE config_hash LIKE ? || '%'").all(ref) as RunRow[]).at(0);
    return row ? this.toStored(row) : undefined;
  }

  metrics(id: number, name?: string): MetricRow[] {
    return (
      name
        ? this.db
            .prepare("SELECT step, name, value FROM metrics WHERE run_id = ? AND name = ? ORDER BY step")
            .all(id, name)
        : this.db.prepare("SELECT step, name, value FROM metrics WHERE run_id = ? ORDER BY name, step").all(id)
    ) as MetricRow[];
  }
}
