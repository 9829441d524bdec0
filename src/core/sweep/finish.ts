// Step 5 of a sweep, finish: count how each run of the grid ended and record how the sweep ended.

import type { RunStatus, RunStore } from "../store/runStore.js";
import type { SweepOutcome } from "./events.js";
import type { SweepPlan } from "./plan.js";
import type { SweepSession } from "./session.js";

/** Where a sweep's wall and CPU time are measured from. */
export interface SweepClock {
  wall: number;
  cpu: NodeJS.CpuUsage;
}

export function startClock(): SweepClock {
  return { wall: performance.now(), cpu: process.cpuUsage() };
}

/** Settled statuses: a run in any other one is a point of the grid still to do. */
const SETTLED: ReadonlySet<RunStatus> = new Set<RunStatus>(["completed", "diverged", "collapsed", "failed"]);

export function finishSweep(
  store: RunStore,
  plan: SweepPlan,
  session: SweepSession,
  interrupted: boolean,
  clock: SweepClock,
): SweepOutcome {
  const ids = plan.registered.map((r) => r.id);
  const statuses: Record<string, number> = {};
  let unfinished = 0;
  const failedRuns: SweepOutcome["failedRuns"] = [];
  for (const id of ids) {
    const run = store.getRun(id);
    const s = run?.status ?? "pending";
    statuses[s] = (statuses[s] ?? 0) + 1;
    if (!SETTLED.has(s)) unfinished++;
    if (run && s === "failed") failedRuns.push({ id, hash: run.config_hash, error: run.error ?? null });
  }
  const cpu = process.cpuUsage(clock.cpu);
  const result: SweepOutcome = {
    sweepId: plan.sweepId,
    runIds: ids,
    ran: session.ran,
    skipped: plan.skipped,
    elsewhere: plan.held.length,
    orphans: plan.orphans.length,
    statuses,
    unfinished,
    failedRuns,
    heldElsewhere: session.heldRuns(),
    interrupted,
    failedFast: session.failedFast,
    jobs: plan.jobs,
    backend: session.backend,
    storeWriteSeconds: session.writer.writeSeconds,
    trainSeconds: session.trainSeconds,
    wallSeconds: (performance.now() - clock.wall) / 1000,
    orchestratorCpuSeconds: (cpu.user + cpu.system) / 1e6,
  };
  store.finishSweep(plan.sweepId, { ...result, runIds: undefined });
  return result;
}
