// The sweep orchestrator: the single writer of the store. It registers every run of a sweep by config hash,
// re-queues runs orphaned by a dead orchestrator, claims runs one at a time (atomically, so that two sweeps on one
// store never train the same run), hands them to worker processes and writes what they report in batched
// transactions.
import fs from "node:fs";
import os from "node:os";
import { canonicalJson } from "../config/hash.js";
import { ConfigError, stepFault } from "../config/resolve.js";
import { loadDataset } from "../data/index.js";
import type { BackendInfo, BackendName } from "../engine/backend.js";
import { resolveModelSpec } from "../models/index.js";
import { thisOwner } from "../store/runOwner.js";
import type { OrphanedRun, RunStatus, RunStore } from "../store/runStore.js";
import { dataKey } from "./dataKey.js";
import type { ExpandedRun, SweepSpec } from "./expand.js";
import type { FromWorker } from "./protocol.js";
import { StoreWriter } from "./storeWriter.js";
import { type Worker, WorkerPool } from "./workerPool.js";

export interface SweepEvents {
  sweepStart?(info: {
    sweepId: number;
    total: number;
    todo: number;
    skipped: number;
    /** Runs another live sweep is training right now. */
    elsewhere: number;
    orphans: OrphanedRun[];
    jobs: number;
  }): void;
  /** The first worker's backend is up. */
  backendReady?(backend: BackendInfo): void;
  runStart?(info: {
    run: ExpandedRun;
    id: number;
    slot: number;
    position: number;
    todo: number;
    stepsTotal: number;
  }): void;
  runStep?(info: { id: number; slot: number; step: number; stepsTotal: number; metrics: Record<string, number> }): void;
  runEnd?(info: {
    run: ExpandedRun;
    id: number;
    slot: number;
    status: RunStatus;
    testTop1: number | null;
    finalLoss: number | null;
    seconds: number;
    error: string | null;
  }): void;
  /** The sweep is stopping (signal or --fail-fast); running runs are being interrupted. */
  stopping?(why: string): void;
}

export interface SweepOptions {
  backend: BackendName;
  retryFailed?: boolean;
  /** Worker processes (default: the number of cores). */
  jobs?: number;
  /** Stop the sweep (interrupting running runs) at the first failed run. */
  failFast?: boolean;
  /** Aborting interrupts the running runs and stops the sweep. */
  signal?: AbortSignal;
  events?: SweepEvents;
  /** The store is written (metrics, evals, heartbeats) every this many ms. */
  flushMs?: number;
  /** A running run whose heartbeat is older than this is an orphan (its owner is on another host or hung). */
  staleSeconds?: number;
  /** How long a stopped run may take to reach its next step boundary before its worker is killed. */
  stopGraceMs?: number;
}

export interface SweepOutcome {
  sweepId: number;
  runIds: number[];
  ran: number;
  skipped: number;
  elsewhere: number;
  orphans: number;
  statuses: Record<string, number>;
  interrupted: boolean;
  failedFast: boolean;
  jobs: number;
  backend: BackendInfo | null;
  /** Seconds the orchestrator spent writing the store, and seconds workers spent training (for overhead). */
  storeWriteSeconds: number;
  trainSeconds: number;
  wallSeconds: number;
  /** CPU seconds of the orchestrator process itself (user + system), workers not included. */
  orchestratorCpuSeconds: number;
}

export const DEFAULT_STALE_SECONDS = 30;

export function defaultJobs(): number {
  return typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length;
}

/**
 * Checks what needs the data itself, before anything is written: each dataset loads, and its training split
 * (an imagefolder's size is known only now) holds at least one batch. Runs validateRuns first.
 * @throws ConfigError / Error naming the run's keys.
 */
export async function validateRunsDeep(runs: readonly ExpandedRun[]): Promise<void> {
  validateRuns(runs);
  // Training-split sizes of folders (other datasets' sizes are known without reading them: checkRunnable).
  const folderSizes = new Map<string, number>();
  const loaded = new Set<string>();
  for (const r of runs) {
    const d = r.config.data;
    const key = dataKey(r.config);
    if (!loaded.has(key)) {
      loaded.add(key);
      const folder = d.name === "imagefolder";
      // A folder is read whole (dataKey ignores sizes); each run's own train_size is checked against it below.
      const ds = await loadDataset({
        ...d,
        ...(folder ? { train_size: null, test_size: null } : {}),
        seed: r.config.seed,
      });
      if (folder) folderSizes.set(key, ds.train.size);
    }
    const size = folderSizes.get(key);
    if (size === undefined) continue;
    if (d.train_size !== null && d.train_size > size) {
      throw new ConfigError("data.train_size", `${d.train_size} exceeds the ${size} training examples in ${d.path}`);
    }
    const fault = stepFault(r.config, d.train_size ?? size, d.train_size !== null ? "data.train_size" : `${d.path}`);
    if (fault) throw fault;
  }
}

/**
 * The checks that need no data and no training (the dry run makes exactly these; a run makes these and then
 * validateRunsDeep): model names and overrides, and that a dataset's directory exists. Config values and their
 * combinations were checked when the configs were resolved (resolveConfig, checkRunnable).
 * @throws Error naming the model or data key at fault.
 */
export function validateRuns(runs: readonly ExpandedRun[]): void {
  const seen = new Set<string>();
  for (const r of runs) {
    const key = canonicalJson(r.config.model);
    if (seen.has(key)) continue;
    seen.add(key);
    resolveModelSpec(r.config.model);
  }
  for (const r of runs) {
    const p = r.config.data.path;
    if (p !== null && (r.config.data.name === "cifar10" || r.config.data.name === "imagefolder")) {
      if (!fs.existsSync(p)) throw new ConfigError("data.path", `no such directory: ${p}`);
    }
  }
}

const CLAIMABLE: ReadonlySet<RunStatus> = new Set<RunStatus>(["pending", "interrupted"]);

export async function runSweep(
  store: RunStore,
  spec: SweepSpec,
  file: string | null,
  runs: readonly ExpandedRun[],
  opts: SweepOptions,
): Promise<SweepOutcome> {
  const wallStart = performance.now();
  const cpuStart = process.cpuUsage();
  await validateRunsDeep(runs);
  const owner = thisOwner();
  const retryFailed = opts.retryFailed === true;
  const orphans = store.reapOrphans(opts.staleSeconds ?? DEFAULT_STALE_SECONDS);
  const sweepId = store.createSweep(spec.name, file, spec);
  const registered = store.ensureRuns(runs, sweepId).map((r, i) => ({ ...r, run: runs[i] as ExpandedRun }));
  const byId = new Map(registered.map((r) => [r.id, r]));
  const queue = registered.filter((r) => CLAIMABLE.has(r.status) || (r.status === "failed" && retryFailed));
  const elsewhere = registered.filter((r) => r.status === "running").length;
  const skipped = registered.length - queue.length - elsewhere;
  const jobs = Math.max(0, Math.min(opts.jobs ?? defaultJobs(), queue.length));
  const ev = opts.events;
  ev?.sweepStart?.({ sweepId, total: registered.length, todo: queue.length, skipped, elsewhere, orphans, jobs });

  const writer = new StoreWriter(store, owner, opts.flushMs ?? 1000);
  let backend: BackendInfo | null = null;
  let ran = 0;
  let position = 0;
  let stopping: string | null = null;
  let failedFast = false;
  let trainSeconds = 0;
  const stepsTotal = new Map<number, number>();
  const startedAt = new Map<number, number>();

  const outcome = await new Promise<{ interrupted: boolean }>((resolve, reject) => {
    if (jobs === 0) {
      resolve({ interrupted: false });
      return;
    }
    let settled = false;
    let stopTimer: NodeJS.Timeout | null = null;
    // With a worker on every core, V8's parallel GC helper threads can only run by preempting another worker:
    // measured on 2 cores, a 4-run sweep with --jobs 2 used 10% more CPU than --jobs 1 with them, none without.
    const singleThreadedGc = jobs >= defaultJobs();
    const pool: WorkerPool = new WorkerPool(opts.backend, singleThreadedGc, {
      message: (w, msg) => {
        try {
          onMessage(w, msg);
        } catch (err) {
          fail(err);
        }
      },
      exit: (w, runId, why) => {
        try {
          onExit(w, runId, why);
        } catch (err) {
          fail(err);
        }
      },
    });
    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      // Runs already handed out end as interrupted (re-run next time), not as failures of their own.
      stopping = stopping ?? "error";
      for (const w of pool.workers()) w.stopping = true;
      cleanup();
      pool.close().finally(() => reject(err));
    };
    const finish = () => {
      if (settled) return;
      if (pool.workers().some((w) => w.runId !== null)) return;
      settled = true;
      cleanup();
      pool.close().then(() => resolve({ interrupted: stopping !== null && !failedFast }), reject);
    };
    const cleanup = () => {
      if (stopTimer) clearTimeout(stopTimer);
      opts.signal?.removeEventListener("abort", onAbort);
    };

    /** Gives an idle worker the next run it can claim; finishes the sweep when nothing is left. */
    const next = (w: Worker) => {
      while (stopping === null && queue.length > 0) {
        const r = queue.shift() as (typeof queue)[number];
        if (!store.claimRun(r.id, owner, retryFailed)) continue;
        startedAt.set(r.id, performance.now());
        pool.assign(w, r.id, r.run.config);
        return;
      }
      finish();
    };

    const end = (
      w: Worker,
      id: number,
      status: RunStatus,
      summary: Parameters<RunStore["finishOwnedRun"]>[3],
      error: string | null,
    ) => {
      writer.flush();
      store.finishOwnedRun(id, owner, status, summary, error);
      ran++;
      const r = byId.get(id);
      if (r) {
        ev?.runEnd?.({
          run: r.run,
          id,
          slot: w.slot,
          status,
          testTop1: summary?.test_top1 ?? null,
          finalLoss: summary?.final_loss ?? null,
          seconds: (performance.now() - (startedAt.get(id) ?? performance.now())) / 1000,
          error,
        });
      }
      if (status === "failed" && opts.failFast && stopping === null) {
        failedFast = true;
        stop(`--fail-fast: run ${id} failed`);
      }
    };

    const onMessage = (w: Worker, msg: FromWorker) => {
      switch (msg.type) {
        case "start": {
          if (w.env) store.recordStart(msg.id, w.env, msg.stepsTotal, w.pid);
          stepsTotal.set(msg.id, msg.stepsTotal);
          const r = byId.get(msg.id);
          if (r) {
            ev?.runStart?.({
              run: r.run,
              id: msg.id,
              slot: w.slot,
              position: position++,
              todo: registered.length - skipped - elsewhere,
              stepsTotal: msg.stepsTotal,
            });
          }
          break;
        }
        case "steps": {
          writer.addSteps(msg.id, msg.rows);
          const last = msg.rows[msg.rows.length - 1];
          if (last) {
            ev?.runStep?.({
              id: msg.id,
              slot: w.slot,
              step: last[0],
              stepsTotal: stepsTotal.get(msg.id) ?? 0,
              metrics: last[1],
            });
          }
          break;
        }
        case "eval":
          writer.addEval({ runId: msg.id, step: msg.step, split: msg.split, top1: msg.top1, loss: msg.loss, n: msg.n });
          break;
        case "end":
          w.runId = null;
          trainSeconds += msg.seconds;
          end(w, msg.id, msg.status, msg.summary, msg.error);
          // A fatal end: the worker exits by itself; its exit (runId now null) spawns the replacement.
          if (!msg.fatal) next(w);
          break;
        default:
          break;
      }
    };

    const onExit = (w: Worker, runId: number | null, why: string) => {
      if (runId !== null) {
        // A stop that had to be enforced is an interruption; anything else is the run's crash.
        end(w, runId, w.stopping ? "interrupted" : "failed", null, w.stopping ? "stopped" : why);
      }
      if (settled) return;
      if (stopping === null && queue.length > 0) {
        pool.spawn(w.slot).then(next, fail);
      } else {
        finish();
      }
    };

    const stop = (why: string) => {
      if (stopping !== null) return;
      stopping = why;
      ev?.stopping?.(why);
      for (const w of pool.workers()) pool.stop(w);
      stopTimer = setTimeout(() => {
        for (const w of pool.workers()) if (w.runId !== null) pool.kill(w);
      }, opts.stopGraceMs ?? 10_000);
      finish();
    };
    const onAbort = () => stop("interrupted");
    if (opts.signal?.aborted) {
      stopping = "interrupted";
      resolve({ interrupted: true });
      return;
    }
    opts.signal?.addEventListener("abort", onAbort);

    writer.start();
    for (let slot = 0; slot < jobs; slot++) {
      pool.spawn(slot).then((w) => {
        if (backend === null && w.backend) {
          backend = w.backend;
          ev?.backendReady?.(w.backend);
        }
        if (settled) return;
        next(w);
      }, fail);
    }
  }).finally(() => writer.stop());

  const ids = registered.map((r) => r.id);
  const statuses: Record<string, number> = {};
  for (const id of ids) {
    const s = store.getRun(id)?.status ?? "pending";
    statuses[s] = (statuses[s] ?? 0) + 1;
  }
  const result: SweepOutcome = {
    sweepId,
    runIds: ids,
    ran,
    skipped,
    elsewhere,
    orphans: orphans.length,
    statuses,
    interrupted: outcome.interrupted,
    failedFast,
    jobs,
    backend,
    storeWriteSeconds: writer.writeSeconds,
    trainSeconds,
    wallSeconds: (performance.now() - wallStart) / 1000,
    orchestratorCpuSeconds: (() => {
      const c = process.cpuUsage(cpuStart);
      return (c.user + c.system) / 1e6;
    })(),
  };
  store.finishSweep(sweepId, { ...result, runIds: undefined });
  return result;
}
