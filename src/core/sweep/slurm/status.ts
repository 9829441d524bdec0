// Per-run state of a Slurm sweep: finished, failed, interrupted and never-submitted runs come from the store (after
// a collection), queued and running ones from the queue.
import { DONE_STATUSES, type RunStore } from "../../store/runStore.js";
import type { ExpandedRun } from "../expand.js";
import type { SweepDirs } from "./layout.js";
import { outstandingTasks, taskId } from "./tasks.js";

export type SlurmRunState = "done" | "queued" | "running" | "failed" | "interrupted" | "pending";

export interface SlurmRunStatus {
  index: number;
  config_hash: string;
  point: ExpandedRun["point"];
  state: SlurmRunState;
  /** The store's status (completed, diverged, failed, pending, …), or null when the store lacks the run. */
  store_status: string | null;
  /** `<job>_<task>` of the run's outstanding task. */
  task: string | null;
  /** The queue's state (PENDING, RUNNING, …) or the store's error. */
  detail: string | null;
}

const RUNNING = new Set(["RUNNING", "COMPLETING", "CONFIGURING", "SUSPENDED", "STOPPED"]);

export function sweepStatus(
  store: RunStore,
  dirs: SweepDirs,
  runs: readonly ExpandedRun[],
  live: Map<string, string> | null,
): SlurmRunStatus[] {
  const tasks = new Map(outstandingTasks(dirs).map((t) => [t.hash, t]));
  return runs.map((r) => {
    const stored = store.getRun(r.hash);
    const status = stored && stored.config_hash === r.hash ? stored.status : null;
    const t = tasks.get(r.hash);
    const qstate = t && live ? (live.get(taskId(t)) ?? null) : null;
    let state: SlurmRunState;
    if (status !== null && DONE_STATUSES.has(status)) state = "done";
    else if (qstate !== null) state = RUNNING.has(qstate) ? "running" : "queued";
    else if (t) state = "queued";
    else if (status === "failed" || status === "interrupted") state = status;
    else state = "pending";
    return {
      index: r.index,
      config_hash: r.hash,
      point: r.point,
      state,
      store_status: status,
      task: t ? taskId(t) : null,
      detail: qstate ?? (state === "failed" || state === "interrupted" ? (stored?.error ?? null) : null),
    };
  });
}
