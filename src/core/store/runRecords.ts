// Keeping the record: sweeps, runs registered by config hash, a run's metrics, evaluations, end and artifacts, and
// deleting runs. Each function is one write transaction (see RunStore.write), retried whole while the store is busy.
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import { sha256Hex } from "../base/files.js";
import type { RunConfig } from "../config/schema.js";
import type { StoreConn } from "./connection.js";
import { thisOwner } from "./runOwner.js";
import { type MetricRow, now, type RunEnvironment, type RunStatus, type RunSummary } from "./runTypes.js";

/** Records a sweep invocation (a fresh uid, this host and pid); returns its id. */
export function createSweep(store: StoreConn, name: string, file: string | null, spec: unknown): number {
  return store.write("recording a sweep", () => {
    const r = store.db
      .prepare("INSERT INTO sweeps (name, file, spec_json, created_at, uid, host, pid) VALUES (?, ?, ?, ?, ?, ?, ?)")
      .run(name, file, JSON.stringify(spec), now(), randomUUID(), thisOwner().host, process.pid);
    return Number(r.lastInsertRowid);
  });
}

/** Records how a sweep invocation ended. */
export function finishSweep(store: StoreConn, id: number, outcome: unknown): void {
  store.write("recording how a sweep ended", () => {
    store.db
      .prepare("UPDATE sweeps SET finished_at = ?, outcome_json = ? WHERE id = ?")
      .run(now(), JSON.stringify(outcome), id);
  });
}

/** Registers many runs in one transaction (see ensureRun). */
export function ensureRuns(
  store: StoreConn,
  runs: readonly { config: RunConfig; hash: string }[],
  sweepId: number | null,
): { id: number; status: RunStatus }[] {
  return store.write("registering runs", () => runs.map((r) => ensureRun(store, r.config, r.hash, sweepId)));
}

/**
 * Registers a run by config hash (once: the hash is unique) and links it to a sweep.
 * Returns the run's id and current status.
 */
export function ensureRun(
  store: StoreConn,
  config: RunConfig,
  hash: string,
  sweepId: number | null,
): { id: number; status: RunStatus } {
  return store.write("registering a run", () => {
    store.db
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
    const row = store.db.prepare("SELECT id, status FROM runs WHERE config_hash = ?").get(hash) as {
      id: number;
      status: RunStatus;
    };
    if (sweepId !== null) {
      store.db.prepare("INSERT OR IGNORE INTO sweep_runs (sweep_id, run_id) VALUES (?, ?)").run(sweepId, row.id);
    }
    return row;
  });
}

/** Records the environment and length of a claimed run once its worker has started it. */
export function recordStart(
  store: StoreConn,
  id: number,
  env: RunEnvironment,
  stepsTotal: number,
  workerPid: number | null,
): void {
  store.write(`recording the start of run ${id}`, () => {
    const t = now();
    store.db
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

/** Marks a run as running, clearing what an earlier, unfinished attempt left behind. */
export function startRun(store: StoreConn, id: number, env: RunEnvironment, stepsTotal: number): void {
  store.write(`starting run ${id}`, () => {
    store.db.prepare("DELETE FROM metrics WHERE run_id = ?").run(id);
    store.db.prepare("DELETE FROM evals WHERE run_id = ?").run(id);
    store.db
      .prepare(
        `UPDATE runs SET status = 'running', finished_at = NULL, duration_s = NULL, steps_done = 0,
           test_top1 = NULL, final_loss = NULL, summary_json = NULL, error = NULL
         WHERE id = ?`,
      )
      .run(id);
    recordStart(store, id, env, stepsTotal, null);
  });
}

/** Appends per-step metrics in one transaction and refreshes the heartbeat. */
export function appendMetrics(store: StoreConn, id: number, rows: readonly MetricRow[], stepsDone: number): void {
  const ins = store.db.prepare("INSERT OR REPLACE INTO metrics (run_id, step, name, value) VALUES (?, ?, ?, ?)");
  store.write(`writing metrics of run ${id}`, () => {
    for (const r of rows) ins.run(id, r.step, r.name, Number.isFinite(r.value) ? r.value : null);
    store.db.prepare("UPDATE runs SET steps_done = ?, heartbeat_at = ? WHERE id = ?").run(stepsDone, now(), id);
  });
}

/** Records (or replaces) a run's evaluation on `split` at `step`: top-1 as a fraction in [0, 1], mean loss, n examples. */
export function addEval(
  store: StoreConn,
  id: number,
  step: number,
  split: string,
  top1: number,
  loss: number | null,
  n: number,
): void {
  store.write(`writing an evaluation of run ${id}`, () => {
    store.db
      .prepare("INSERT OR REPLACE INTO evals (run_id, step, split, top1, loss, n) VALUES (?, ?, ?, ?, ?, ?)")
      .run(id, step, split, top1, loss, n);
  });
}

/**
 * Ends a run with `status`, its summary (test top-1 and final loss also as columns) and error; duration_s gains
 * this attempt's seconds (from started_at) over what earlier attempts of a resumed run left in it. Ownership is not checked (see runClaims.finishOwnedRun for the sweep's path).
 */
export function finishRun(
  store: StoreConn,
  id: number,
  status: RunStatus,
  summary: RunSummary | null,
  error: string | null,
): void {
  store.write(`recording the end of run ${id}`, () => {
    const row = store.db.prepare("SELECT started_at, duration_s FROM runs WHERE id = ?").get(id) as
      | { started_at: string | null; duration_s: number | null }
      | undefined;
    const finished = now();
    const attempt = row?.started_at ? (Date.parse(finished) - Date.parse(row.started_at)) / 1000 : null;
    const duration = attempt === null ? (row?.duration_s ?? null) : (row?.duration_s ?? 0) + attempt;
    store.db
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

/** Records a file a run produced (content-hashed when it exists). */
export function addArtifact(
  store: StoreConn,
  runId: number,
  kind: string,
  file: string,
  meta: Record<string, unknown> | null = null,
): void {
  let sha: string | null = null;
  let bytes: number | null = null;
  if (fs.existsSync(file)) {
    const buf = fs.readFileSync(file);
    sha = sha256Hex(buf);
    bytes = buf.length;
  }
  store.write(`recording an artifact of run ${runId}`, () => {
    store.db
      .prepare(
        `INSERT INTO artifacts (run_id, kind, path, sha256, bytes, created_at, meta_json) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (run_id, kind, path) DO UPDATE SET sha256 = excluded.sha256, bytes = excluded.bytes,
           created_at = excluded.created_at, meta_json = excluded.meta_json`,
      )
      .run(runId, kind, file, sha, bytes, now(), meta ? JSON.stringify(meta) : null);
  });
}

/** Deletes runs with their metrics, evals, artifacts and sweep links. Returns how many were deleted. */
export function deleteRuns(store: StoreConn, ids: readonly number[]): number {
  const del = store.db.prepare("DELETE FROM runs WHERE id = ?");
  return store.write("deleting runs", () => ids.reduce((n, id) => n + del.run(id).changes, 0));
}
