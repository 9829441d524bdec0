// The run store: one SQLite file (better-sqlite3, WAL) holding sweeps, runs, per-step metrics and evaluations.
// Only the sweep's orchestrator writes it (a training run reports; it never writes).
//
// RunStore is a thin facade over the store's concepts, each in its own file:
//   connection.ts   opening (read-only stores included) and waiting for a store another process holds
//   runClaims.ts    who trains a run: claims, orphans, ending a run one holds
//   batchWrites.ts  the single writer's batched metrics, evals and heartbeats
//   runRecords.ts   sweeps, runs by config hash, a run's start, metrics, evals, end, artifacts; deleting runs
//   runReads.ts     runs (all, filtered, by a user's reference) and a run's metrics, evals, artifacts
//   runTypes.ts     statuses, a stored run and the rows of each table
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import type { RunConfig } from "../config/schema.js";
import { writeBatch } from "./batchWrites.js";
import { openReadonly, openWritable, retryBusy, type StoreConn, type StoreWait, storeWait } from "./connection.js";
import { claimRun, finishOwnedRun, reapOrphans } from "./runClaims.js";
import type { HeartbeatWatch, RunOwner } from "./runOwner.js";
import * as reads from "./runReads.js";
import * as records from "./runRecords.js";
import type {
  ArtifactRow,
  EvalRow,
  MetricRow,
  OrphanedRun,
  RunEnvironment,
  RunStatus,
  RunSummary,
  StoredRun,
  WriteBatch,
} from "./runTypes.js";
import { MIGRATIONS, SCHEMA_VERSION } from "./schema.js";

export { AmbiguousRunError, MIN_HASH_PREFIX } from "./runReads.js";
export {
  type ArtifactRow,
  DONE_STATUSES,
  type EvalRow,
  type MetricRow,
  type OrphanedRun,
  RUN_STATUSES,
  type RunEnvironment,
  type RunStatus,
  type RunSummary,
  type StoredRun,
  type WriteBatch,
} from "./runTypes.js";

export const DEFAULT_DB = "results/nfx.db";

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

export class RunStore implements StoreConn {
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
      RunStore.upgradeIfOlder(file);
      const db = openReadonly(file, wait);
      const store = new RunStore(file, db, wait);
      try {
        const v = db.pragma("user_version", { simple: true }) as number;
        if (v > SCHEMA_VERSION)
          throw new Error(`${file}: store schema v${v} is newer than this nfx (v${SCHEMA_VERSION})`);
        // A database without any table (a zero-byte file, a store created and never written) reads as an empty
        // store: its schema is built in memory, and the file is left as it is.
        const tables = db.prepare("SELECT count(*) AS n FROM sqlite_master").get() as { n: number };
        if (v === 0 && tables.n === 0) {
          db.close();
          const empty = new RunStore(file, new Database(":memory:"), wait);
          empty.migrate();
          return empty;
        }
      } catch (err) {
        if (db.open) db.close();
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

  /**
   * A store from an older nfx is migrated before it is read where it can be written: readers look runs up by
   * config hash, and hashes change with the identity rule (schema.ts v3). A store that cannot be written is read
   * as it is (lookups by hash then miss runs that an upgrade would re-hash).
   */
  private static upgradeIfOlder(file: string): void {
    let v: number;
    try {
      const probe = new Database(file, { readonly: true, fileMustExist: true });
      try {
        v = probe.pragma("user_version", { simple: true }) as number;
      } finally {
        probe.close();
      }
      if (v === 0 || v >= SCHEMA_VERSION) return; // not an nfx store, or current
      fs.accessSync(file, fs.constants.W_OK);
      fs.accessSync(path.dirname(path.resolve(file)), fs.constants.W_OK);
    } catch {
      return;
    }
    RunStore.open(file).close();
  }

  /**
   * Brings the store to SCHEMA_VERSION in one transaction, so that no reader ever sees a store half-way between
   * two versions (a new store's tables without the columns later migrations add).
   */
  private migrate(): void {
    const v = this.db.pragma("user_version", { simple: true }) as number;
    if (v > SCHEMA_VERSION)
      throw new Error(`${this.file}: store schema v${v} is newer than this nfx (v${SCHEMA_VERSION})`);
    if (v === SCHEMA_VERSION) return;
    this.write(`migrating it to schema v${SCHEMA_VERSION}`, () => {
      // Another process may have migrated it while this one waited for the lock.
      const from = this.db.pragma("user_version", { simple: true }) as number;
      for (let i = from; i < MIGRATIONS.length; i++) {
        const m = MIGRATIONS[i];
        if (typeof m === "function") m(this.db);
        else this.db.exec(m as string);
      }
      if (from < MIGRATIONS.length) this.db.pragma(`user_version = ${MIGRATIONS.length}`);
    });
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

  // Sweeps and runs (runRecords.ts)

  createSweep(name: string, file: string | null, spec: unknown): number {
    return records.createSweep(this, name, file, spec);
  }

  /** Records how a sweep invocation ended. */
  finishSweep(id: number, outcome: unknown): void {
    records.finishSweep(this, id, outcome);
  }

  /** Registers many runs in one transaction (see ensureRun). */
  ensureRuns(
    runs: readonly { config: RunConfig; hash: string }[],
    sweepId: number | null,
  ): { id: number; status: RunStatus }[] {
    return records.ensureRuns(this, runs, sweepId);
  }

  // Claims and ownership (runClaims.ts)

  /** Marks runs whose owner is gone (dead pid, stale heartbeat) interrupted; see runClaims.reapOrphans. */
  reapOrphans(staleSeconds: number, alive?: (pid: number) => boolean, watch?: HeartbeatWatch): OrphanedRun[] {
    return reapOrphans(this, staleSeconds, alive, watch);
  }

  /**
   * Atomically takes a run for `owner` (pending, interrupted, or failed with retryFailed), keeping the records of
   * steps before `resumeStep` for a run that continues from a checkpoint; see runClaims.
   */
  claimRun(id: number, owner: RunOwner, retryFailed: boolean, resumeStep: number | null = null): boolean {
    return claimRun(this, id, owner, retryFailed, resumeStep);
  }

  /** Records the environment and length of a claimed run once its worker has started it. */
  recordStart(id: number, env: RunEnvironment, stepsTotal: number, workerPid: number | null): void {
    records.recordStart(this, id, env, stepsTotal, workerPid);
  }

  /** Writes reported metrics and evals and refreshes `owner`'s heartbeats in one transaction (batchWrites.ts). */
  writeBatch(batch: WriteBatch, owner: RunOwner): void {
    writeBatch(this, batch, owner);
  }

  /** Ends a run that `owner` holds (a no-op for a run reaped meanwhile). Returns whether it was written. */
  finishOwnedRun(
    id: number,
    owner: RunOwner,
    status: RunStatus,
    summary: RunSummary | null,
    error: string | null,
  ): boolean {
    return finishOwnedRun(this, id, owner, status, summary, error);
  }

  /** Deletes runs with their metrics, evals, artifacts and sweep links. Returns how many were deleted. */
  deleteRuns(ids: readonly number[]): number {
    return records.deleteRuns(this, ids);
  }

  /** Records a file a run produced (content-hashed when it exists). */
  addArtifact(runId: number, kind: string, file: string, meta: Record<string, unknown> | null = null): void {
    records.addArtifact(this, runId, kind, file, meta);
  }

  artifacts(runId: number): ArtifactRow[] {
    return reads.artifacts(this, runId);
  }

  evals(runId: number): EvalRow[] {
    return reads.evals(this, runId);
  }

  /** Metric names of a run with their count and last value. */
  metricNames(runId: number): { name: string; count: number; last: number | null }[] {
    return reads.metricNames(this, runId);
  }

  /** Registers a run by config hash (once: the hash is unique) and links it to a sweep; its id and status. */
  ensureRun(config: RunConfig, hash: string, sweepId: number | null): { id: number; status: RunStatus } {
    return records.ensureRun(this, config, hash, sweepId);
  }

  /** Marks a run as running, clearing what an earlier, unfinished attempt left behind. */
  startRun(id: number, env: RunEnvironment, stepsTotal: number): void {
    records.startRun(this, id, env, stepsTotal);
  }

  /** Appends per-step metrics in one transaction and refreshes the heartbeat. */
  appendMetrics(id: number, rows: readonly MetricRow[], stepsDone: number): void {
    records.appendMetrics(this, id, rows, stepsDone);
  }

  addEval(id: number, step: number, split: string, top1: number, loss: number | null, n: number): void {
    records.addEval(this, id, step, split, top1, loss, n);
  }

  finishRun(id: number, status: RunStatus, summary: RunSummary | null, error: string | null): void {
    records.finishRun(this, id, status, summary, error);
  }

  // Reads (runReads.ts)

  /** All runs (optionally of one sweep), oldest first. */
  listRuns(opts: { sweepId?: number; status?: RunStatus } = {}): StoredRun[] {
    return reads.listRuns(this, opts);
  }

  /** Runs matching a compiled filter, in a compiled order (see runQuery.ts). */
  selectRuns(
    where: { sql: string; params: unknown[] } | null,
    order: { sql: string; params: unknown[] },
    limit: number | null,
  ): StoredRun[] {
    return reads.selectRuns(this, where, order, limit);
  }

  /** A run by numeric id or by a user's reference, exactly (see runReads.getRun; throws AmbiguousRunError). */
  getRun(ref: string | number): StoredRun | undefined {
    return reads.getRun(this, ref);
  }

  /** Every run a user's reference names, and how (see runReads.runCandidates). */
  runCandidates(ref: string): { run: StoredRun; by: "id" | "hash" }[] {
    return reads.runCandidates(this, ref);
  }

  /** Ids of the runs that sweeps called `name` asked for. */
  runIdsOfSweepsNamed(name: string): Set<number> {
    return reads.runIdsOfSweepsNamed(this, name);
  }

  /** Mean over steps and last value of each metric of run `id` whose name starts with one of `prefixes`. */
  metricSummaries(id: number, prefixes: readonly string[]): reads.MetricSummary[] {
    return reads.metricSummaries(this, id, prefixes);
  }

  metrics(id: number, name?: string): MetricRow[] {
    return reads.metrics(this, id, name);
  }
}
