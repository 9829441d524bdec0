// `nfx sweep --executor slurm | --collect | --status`: a sweep file handed to Slurm, its shards collected into
// the store, and its per-run state. Everything that can fail on bad input or a missing Slurm fails before the
// store or any sweep file is written.
import fs from "node:fs";
import path from "node:path";
import { canWrite } from "../core/store/connection.js";
import { RunStore } from "../core/store/runStore.js";
import { type LoadedSweep, loadSweepFile } from "../core/sweep/expand.js";
import { validateRuns } from "../core/sweep/preflight.js";
import { allSweepDirs, type SweepDirs, sweepDirs } from "../core/sweep/slurm/layout.js";
import { resolveSlurmOptions, type SlurmOptions } from "../core/sweep/slurm/options.js";
import { type CollectResult, collectSweepDir, type Liveness } from "../core/sweep/slurm/shards.js";
import { assertSlurmClient, maxArraySize, sacctTasks, squeueTasks } from "../core/sweep/slurm/slurmCli.js";
import { type SlurmRunStatus, sweepStatus } from "../core/sweep/slurm/status.js";
import { jobIdsOf, type SubmitResult, submitSweep } from "../core/sweep/slurm/submit.js";
import { outstandingTasks } from "../core/sweep/slurm/tasks.js";

/** What the queue says about these jobs now. */
export function askQueue(jobIds: readonly string[]): Liveness {
  return { live: squeueTasks(jobIds), final: sacctTasks(jobIds) };
}

export interface SlurmSubmitOptions {
  db: string;
  sets: string[];
  backend: string;
  /** Flag overrides of the sweep file's `slurm:` section. */
  slurm: Partial<SlurmOptions>;
  /** argv prefix that starts nfx on a compute node. */
  nfx: readonly string[];
}

export interface SlurmSubmitResult extends SubmitResult {
  name: string;
  dir: string;
}

function loadChecked(file: string, sets: string[]): LoadedSweep {
  const sweep = loadSweepFile(file, sets);
  validateRuns(sweep.runs);
  return sweep;
}

export function submitSweepFile(file: string, opts: SlurmSubmitOptions): SlurmSubmitResult {
  const sweep = loadChecked(file, opts.sets);
  const slurm = resolveSlurmOptions(sweep.spec.slurm, opts.slurm);
  assertSlurmClient();
  const dirs = sweepDirs(opts.db, sweep.spec.name);
  const store = RunStore.open(opts.db);
  try {
    const result = submitSweep(store, {
      spec: sweep.spec,
      file: path.resolve(file),
      runs: sweep.runs,
      dirs,
      slurm,
      nfx: opts.nfx,
      backend: opts.backend,
      liveness: askQueue,
      maxArraySize: maxArraySize(),
    });
    return { ...result, name: sweep.spec.name, dir: dirs.root };
  } finally {
    store.close();
  }
}

/** Opens a store that a submission created; collecting or asking for status never creates one. */
function openSubmitted(db: string): RunStore {
  if (!fs.existsSync(db)) throw new Error(`${db}: no such store (submit the sweep with --executor slurm first)`);
  return RunStore.open(db);
}

function collectInto(store: RunStore, dirs: SweepDirs): CollectResult {
  return collectSweepDir(store, dirs, askQueue(jobIdsOf(dirs)));
}

/** What `--collect` imported, with the sweep's name. */
export type CollectSweepResult = CollectResult & { name: string };

export function collectSweepFile(file: string, opts: { db: string; sets: string[] }): CollectSweepResult {
  const sweep = loadChecked(file, opts.sets);
  const store = openSubmitted(opts.db);
  try {
    return { ...collectInto(store, sweepDirs(opts.db, sweep.spec.name)), name: sweep.spec.name };
  } finally {
    store.close();
  }
}

/** What `--status` shows: each run's state, after collecting what finished. */
export interface StatusSweepResult {
  name: string;
  collected: CollectResult;
  runs: SlurmRunStatus[];
}

export function statusSweepFile(file: string, opts: { db: string; sets: string[] }): StatusSweepResult {
  const sweep = loadChecked(file, opts.sets);
  const dirs = sweepDirs(opts.db, sweep.spec.name);
  const store = openSubmitted(opts.db);
  try {
    const collected = collectInto(store, dirs);
    const live = squeueTasks(jobIdsOf(dirs));
    return { name: sweep.spec.name, collected, runs: sweepStatus(store, dirs, sweep.runs, live) };
  } finally {
    store.close();
  }
}

/**
 * Collects every Slurm sweep of a store that has outstanding tasks (`nfx runs`, `nfx figure` call this first).
 * Cheap when there is nothing to do: a directory listing, no store opened, no Slurm program run.
 */
export function collectPendingShards(db: string): CollectResult | null {
  const pending = allSweepDirs(db).filter((d) => outstandingTasks(d).length > 0);
  if (pending.length === 0) return null;
  // A store this process cannot write (a read-only copy, another user's results) is read as it is.
  if (!canWrite(path.dirname(path.resolve(db))) || (fs.existsSync(db) && !canWrite(db))) return null;
  const total: CollectResult = { imported: 0, failed: 0, interrupted: 0, waiting: 0 };
  const store = RunStore.open(db);
  try {
    for (const dirs of pending) {
      const r = collectInto(store, dirs);
      total.imported += r.imported;
      total.failed += r.failed;
      total.interrupted += r.interrupted;
      total.waiting += r.waiting;
    }
  } finally {
    store.close();
  }
  return total;
}
