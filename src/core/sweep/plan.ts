// Step 1 of a sweep, plan: re-queue runs whose owner is gone, register every run of the grid by config hash, and
// sort them into runs to train here, runs another live process holds, and runs already settled.

import type { OrphanedRun, RunStatus, RunStore } from "../store/runStore.js";
import type { SweepEvents } from "./events.js";
import type { ExpandedRun } from "./expand.js";
import type { ResolvedSweepOptions } from "./options.js";
import type { SweepSpec } from "./sweepSpec.js";

export interface PlannedRun {
  id: number;
  status: RunStatus;
  run: ExpandedRun;
}

export interface SweepPlan {
  sweepId: number;
  registered: PlannedRun[];
  /** Runs to claim and train here, in grid order. */
  queue: PlannedRun[];
  /** Runs another process holds (`running`) at the start. */
  held: PlannedRun[];
  /** Runs already settled (done, or failed without retryFailed). */
  skipped: number;
  orphans: OrphanedRun[];
  /** Most worker processes this sweep may start. */
  jobs: number;
}

const CLAIMABLE: ReadonlySet<RunStatus> = new Set<RunStatus>(["pending", "interrupted"]);

export function claimable(status: RunStatus, retryFailed: boolean): boolean {
  return CLAIMABLE.has(status) || (status === "failed" && retryFailed);
}

export function planRuns(
  store: RunStore,
  spec: SweepSpec,
  file: string | null,
  runs: readonly ExpandedRun[],
  opts: ResolvedSweepOptions,
): SweepPlan {
  const orphans = store.reapOrphans(opts.staleSeconds);
  const sweepId = store.createSweep(spec.name, file, spec);
  const registered = store.ensureRuns(runs, sweepId).map((r, i) => ({ ...r, run: runs[i] as ExpandedRun }));
  const queue = registered.filter((r) => claimable(r.status, opts.retryFailed));
  const held = registered.filter((r) => r.status === "running");
  // Held runs may come back to this sweep (their owner dies), so they count towards the workers it may need.
  const mayTrain = queue.length + (opts.waitForHeld ? held.length : 0);
  return {
    sweepId,
    registered,
    queue,
    held,
    skipped: registered.length - queue.length - held.length,
    orphans,
    jobs: Math.max(0, Math.min(opts.jobs, mayTrain)),
  };
}

/** What the plan found, said once before anything trains. */
export function announcePlan(plan: SweepPlan, events: SweepEvents | undefined): void {
  events?.sweepStart?.({
    sweepId: plan.sweepId,
    total: plan.registered.length,
    todo: plan.queue.length,
    skipped: plan.skipped,
    elsewhere: plan.held.length,
    orphans: plan.orphans,
    jobs: plan.jobs,
  });
}
