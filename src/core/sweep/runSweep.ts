// The sweep orchestrator: the single writer of the store. A sweep goes through these steps, each in its own file:
//   0. options   — every default applied once (options.ts);
//      preflight — what training needs from the runs, the machine and the data, checked before anything is
//                  written (preflight.ts);
//   1. plan      — re-queue runs whose owner is gone, register every run of the grid by config hash, and sort them
//                  into runs to train here, runs another live process holds, and runs already settled (plan.ts);
//   2. claim     — take queued runs one at a time, atomically, so that two sweeps on one store never train one run;
//                  a run an earlier attempt left behind continues from its last checkpoint (session.ts, resume.ts);
//   3. dispatch  — hand each claimed run to an idle worker process, starting workers while runs wait for one;
//   4. collect   — write what workers report in batched transactions and end each run; while nothing is left to
//                  train but runs another process holds, wait for those, taking over any whose owner dies
//                  (session.ts, heldRuns.ts);
//   5. finish    — close the workers and record how the sweep ended (finish.ts).
// A sweep ends when every run of its grid is settled (done or failed), or when it is stopped: a first interrupt
// lets running runs reach their next step, a second kills the workers at once; either way they are stored
// interrupted, to be re-run by the next sweep (stop.ts).

import type { RunStore } from "../store/runStore.js";
import type { SweepOutcome } from "./events.js";
import type { ExpandedRun } from "./expand.js";
import { finishSweep, type SweepClock, startClock } from "./finish.js";
import { type ResolvedSweepOptions, resolveSweepOptions, type SweepOptions } from "./options.js";
import { announcePlan, planRuns } from "./plan.js";
import { preflight } from "./preflight.js";
import { SweepSession } from "./session.js";
import type { SweepSpec } from "./sweepSpec.js";

/** Runs the grid's points that the store does not hold settled; returns once every one is settled or on a stop. */
export async function runSweep(
  store: RunStore,
  spec: SweepSpec,
  file: string | null,
  runs: readonly ExpandedRun[],
  opts: SweepOptions,
): Promise<SweepOutcome> {
  return runPreparedSweep(store, spec, file, await prepareSweep(runs, opts));
}

/** A sweep whose options are resolved and whose pre-flight passed: nothing is written yet. */
export interface PreparedSweep {
  runs: readonly ExpandedRun[];
  opts: ResolvedSweepOptions;
  clock: SweepClock;
}

/**
 * Step 0: the options resolved and the pre-flight passed, before a store is even opened (a caller that opens the
 * store only for a sweep that can run, like `nfx sweep`, calls this, then runPreparedSweep).
 * @throws ConfigError / Error naming the key or flag at fault.
 */
export async function prepareSweep(runs: readonly ExpandedRun[], opts: SweepOptions): Promise<PreparedSweep> {
  const clock = startClock();
  const resolved = resolveSweepOptions(opts);
  await preflight(runs, resolved);
  return { runs, opts: resolved, clock };
}

/** Steps 1–5 of a prepared sweep: plan, then claim, dispatch and collect in a session, then finish. */
export async function runPreparedSweep(
  store: RunStore,
  spec: SweepSpec,
  file: string | null,
  sweep: PreparedSweep,
): Promise<SweepOutcome> {
  const plan = planRuns(store, spec, file, sweep.runs, sweep.opts);
  announcePlan(plan, sweep.opts.events);
  const session = new SweepSession(store, plan, sweep.opts);
  const interrupted = await session.run();
  return finishSweep(store, plan, session, interrupted, sweep.clock);
}
