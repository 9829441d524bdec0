// Collecting: a finished task's shard is merged into the sweep's store by config hash (idempotently, through the
// bundle import: a finished run replaces an unfinished one, a second import changes nothing). A task that left the
// queue without a finished run is recorded as interrupted when it was stopped from outside (scancel, its time
// limit, preemption, a node failure) and as failed otherwise, so that it is visible and the next submission re-runs
// it.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { exportBundle, importBundle } from "../../store/bundle.js";
import { DONE_STATUSES, RunStore } from "../../store/runStore.js";
import type { SweepDirs } from "./layout.js";
import { markCollected, outstandingTasks, type TaskRecord, taskId } from "./tasks.js";

export interface CollectResult {
  /** Runs whose finished result came in from a shard. */
  imported: number;
  /** Tasks that ended without a finished run by a fault of their own (now `failed` in the store). */
  failed: number;
  /** Tasks stopped from outside before their run finished (now `interrupted` in the store). */
  interrupted: number;
  /** Tasks still queued or running. */
  waiting: number;
}

export interface Liveness {
  /** Live tasks (`<job>_<task>` → squeue state), or null when the queue cannot be asked. */
  live: Map<string, string> | null;
  /** Final states from accounting, where there is accounting. */
  final: Map<string, string>;
}

function shardFile(dirs: SweepDirs, hash: string): string {
  return path.join(dirs.shards, `${hash}.db`);
}

function exitFile(dirs: SweepDirs, hash: string): string {
  return path.join(dirs.shards, `${hash}.exit`);
}

/** A task is over when the queue no longer lists it, or (queue unknown) when it wrote its exit status. */
export function taskOver(dirs: SweepDirs, t: TaskRecord, live: Map<string, string> | null): boolean {
  return live ? !live.has(taskId(t)) : fs.existsSync(exitFile(dirs, t.hash));
}

/** Imports one shard; returns the error its run recorded, if any. */
export function importShard(store: RunStore, shard: string): { status: string | null; error: string | null } {
  const src = RunStore.open(shard, { readonly: true });
  const tmp = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "nfx-shard-")), "shard.jsonl");
  try {
    const runs = src.listRuns();
    exportBundle(src, runs, tmp);
    importBundle(store, tmp, { sweeps: false });
    const run = runs[0];
    return { status: run?.status ?? null, error: run?.error ?? null };
  } finally {
    src.close();
    fs.rmSync(path.dirname(tmp), { recursive: true, force: true });
  }
}

/**
 * Slurm final states (sacct) of a task stopped from outside: `scancel` (CANCELLED, also "CANCELLED by UID"), its
 * time limit (TIMEOUT, DEADLINE), preemption, a failed node, a requeue.
 */
const STOPPED_FROM_OUTSIDE = ["CANCELLED", "TIMEOUT", "DEADLINE", "PREEMPTED", "NODE_FAIL", "BOOT_FAIL", "REQUEUED"];

/**
 * Whether a task that ended without a finished run was interrupted rather than failed: its shard says so (`nfx run`
 * stores `interrupted` when Slurm's SIGTERM stops it), or accounting gives a stop from outside, or its exit status
 * is nfx's interrupted exit (130) or death by SIGTERM (143).
 */
export function taskInterrupted(
  shardStatus: string | null,
  finalState: string | null,
  exitCode: string | null,
): boolean {
  if (shardStatus === "interrupted") return true;
  if (shardStatus === "failed") return false;
  if (finalState !== null && STOPPED_FROM_OUTSIDE.some((s) => finalState.startsWith(s))) return true;
  return exitCode === "130" || exitCode === "143";
}

export function collectSweepDir(store: RunStore, dirs: SweepDirs, liveness: Liveness): CollectResult {
  const result: CollectResult = { imported: 0, failed: 0, interrupted: 0, waiting: 0 };
  for (const t of outstandingTasks(dirs)) {
    if (!taskOver(dirs, t, liveness.live)) {
      result.waiting++;
      continue;
    }
    const shard = shardFile(dirs, t.hash);
    let fromShard: { status: string | null; error: string | null } | null = null;
    if (fs.existsSync(shard)) {
      fromShard = importShard(store, shard);
      fs.mkdirSync(dirs.imported, { recursive: true });
      fs.renameSync(shard, path.join(dirs.imported, `${t.hash}.${taskId(t)}.db`));
    }
    let code: string | null = null;
    if (fs.existsSync(exitFile(dirs, t.hash))) {
      code = fs.readFileSync(exitFile(dirs, t.hash), "utf8").trim();
      fs.rmSync(exitFile(dirs, t.hash));
    }
    const run = store.getRun(t.hash);
    if (run && run.config_hash === t.hash) {
      if (DONE_STATUSES.has(run.status)) {
        if (fromShard && fromShard.status !== null && DONE_STATUSES.has(fromShard.status as never)) result.imported++;
      } else {
        const final = liveness.final.get(taskId(t)) ?? null;
        const state = final ?? (code !== null ? `exit ${code}` : "killed");
        const why = fromShard?.error ? `: ${fromShard.error}` : "";
        const status = taskInterrupted(fromShard?.status ?? null, final, code) ? "interrupted" : "failed";
        store.finishRun(run.id, status, null, `slurm task ${taskId(t)} ended without a result (${state})${why}`);
        result[status]++;
      }
    }
    markCollected(dirs, t);
  }
  return result;
}
