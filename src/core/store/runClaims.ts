// Who trains a run: a sweep's orchestrator claims a run atomically (so two sweeps on one store never train the same
// run), records its start, and ends it only while it still holds it; runs whose owner is gone are reclaimed.
import type { StoreConn } from "./connection.js";
import { type HeartbeatWatch, heartbeats, ownerGone, pidAlive, type RunOwner, thisOwner } from "./runOwner.js";
import { finishRun } from "./runRecords.js";
import { now, type OrphanedRun, type RunStatus, type RunSummary } from "./runTypes.js";

/**
 * A run's duration_s is its whole training time, summed over the attempts that led to its result (a resumed run
 * continues its checkpoint, so the earlier attempts' time is part of it): while a resumed attempt runs, the column
 * holds the earlier attempts' seconds (claimRun keeps them), and each end adds its own (runRecords.finishRun). A
 * dead owner's attempt counts until its last heartbeat, the last moment it is known to have trained.
 */
const ATTEMPT_ADDED_TO_DURATION = `CASE WHEN started_at IS NULL OR heartbeat_at IS NULL THEN duration_s
  ELSE COALESCE(duration_s, 0) + MAX(0, (julianday(heartbeat_at) - julianday(started_at)) * 86400.0) END`;

/**
 * Finds runs left `running` by an orchestrator that is gone: its pid is dead (same host), or `watch` (this
 * process's, by default) has seen its heartbeat unchanged for more than `staleSeconds` on this host's own clock
 * (any host; runOwner.HeartbeatWatch: a run first met now is not reaped for its heartbeat until then). Marks them
 * interrupted so that a sweep re-runs them. Compare-and-set on owner and heartbeat, so a run that a live
 * orchestrator touches meanwhile is left alone.
 */
export function reapOrphans(
  store: StoreConn,
  staleSeconds: number,
  alive: (pid: number) => boolean = pidAlive,
  watch: HeartbeatWatch = heartbeats,
): OrphanedRun[] {
  const me = thisOwner();
  return store.write("reclaiming orphaned runs", () => {
    const rows = store.db
      .prepare("SELECT id, owner_host, owner_pid, heartbeat_at FROM runs WHERE status = 'running'")
      .all() as { id: number; owner_host: string | null; owner_pid: number | null; heartbeat_at: string | null }[];
    const reaped: OrphanedRun[] = [];
    const mark = store.db.prepare(
      `UPDATE runs SET status = 'interrupted', error = ?, owner_host = NULL, owner_pid = NULL, worker_pid = NULL,
         duration_s = ${ATTEMPT_ADDED_TO_DURATION}
       WHERE id = ? AND status = 'running' AND owner_pid IS ? AND heartbeat_at IS ?`,
    );
    for (const r of rows) {
      const mine = r.owner_host === me.host && r.owner_pid === me.pid;
      if (mine) continue;
      const owner = r.owner_host !== null && r.owner_pid !== null ? { host: r.owner_host, pid: r.owner_pid } : null;
      const gone = ownerGone(owner, watch.observe(r.id, owner, r.heartbeat_at), staleSeconds, alive);
      const reason = gone ? `orphaned: ${gone}` : null;
      if (reason && mark.run(reason, r.id, r.owner_pid, r.heartbeat_at).changes === 1) {
        reaped.push({ id: r.id, reason });
      }
    }
    return reaped;
  });
}

/**
 * Atomically takes a run for `owner`: succeeds only when the run is pending or interrupted (or failed, with
 * retryFailed), so two orchestrators never train the same run. Clears what an earlier attempt left behind — all
 * of it, or, for a run that continues from the checkpoint after `resumeStep` steps, its metrics of steps ≥
 * resumeStep and evaluations after it (the attempt will report them again: no step is stored twice or missing).
 */
export function claimRun(
  store: StoreConn,
  id: number,
  owner: RunOwner,
  retryFailed: boolean,
  resumeStep: number | null = null,
): boolean {
  return store.write(`claiming run ${id}`, () => {
    const t = now();
    const r = store.db
      .prepare(
        `UPDATE runs SET status = 'running', owner_host = ?, owner_pid = ?, heartbeat_at = ?, worker_pid = NULL,
           attempts = attempts + 1, started_at = NULL, finished_at = NULL,
           duration_s = CASE WHEN ? IS NULL THEN NULL ELSE duration_s END, steps_done = ?,
           test_top1 = NULL, final_loss = NULL, summary_json = NULL, error = NULL
         WHERE id = ? AND (status IN ('pending', 'interrupted') OR (status = 'failed' AND ?))`,
      )
      .run(owner.host, owner.pid, t, resumeStep, resumeStep ?? 0, id, retryFailed ? 1 : 0);
    if (r.changes !== 1) return false;
    const from = resumeStep ?? 0;
    store.db.prepare("DELETE FROM metrics WHERE run_id = ? AND step >= ?").run(id, from);
    store.db.prepare("DELETE FROM evals WHERE run_id = ? AND step > ?").run(id, resumeStep ?? -1);
    return true;
  });
}

/** Ends a run that `owner` holds (a no-op for a run reaped meanwhile). Returns whether it was written. */
export function finishOwnedRun(
  store: StoreConn,
  id: number,
  owner: RunOwner,
  status: RunStatus,
  summary: RunSummary | null,
  error: string | null,
): boolean {
  return store.write(`recording the end of run ${id}`, () => {
    const held = store.db
      .prepare("SELECT 1 FROM runs WHERE id = ? AND status = 'running' AND owner_host = ? AND owner_pid = ?")
      .get(id, owner.host, owner.pid);
    if (!held) return false;
    finishRun(store, id, status, summary, error);
    store.db.prepare("UPDATE runs SET owner_host = NULL, owner_pid = NULL, worker_pid = NULL WHERE id = ?").run(id);
    return true;
  });
}
