// A figure's runs are its preset sweep's runs: the store is asked for each expected config hash, so a figure never
// mixes in runs of another dataset size or length that happen to share λ and batch size.
import { type RunRow, runRow } from "../../core/plot/runRows.js";
import { DONE_STATUSES, RunStore, type StoredRun } from "../../core/store/runStore.js";
import { type ExpandedRun, loadSweepFile } from "../../core/sweep/expand.js";

export interface PresetRuns {
  expected: readonly ExpandedRun[];
  /** Finished (completed or diverged) runs of the sweep. */
  finished: StoredRun[];
  rows: RunRow[];
  missing: number;
}

/**
 * Opens the store a figure or report is drawn from, read-only. A missing store is an error ("no such store"), as
 * for every reading command: a mistyped --db must not read as a store without runs.
 */
export function openFigureStore(db: string): RunStore {
  return RunStore.open(db, { readonly: true });
}

export function finishedRunsOf(store: RunStore | null, expected: readonly ExpandedRun[]): StoredRun[] {
  if (!store) return [];
  const out: StoredRun[] = [];
  for (const r of expected) {
    const run = store.getRun(r.hash);
    if (run && run.config_hash === r.hash && DONE_STATUSES.has(run.status)) out.push(run);
  }
  return out;
}

export function presetRuns(store: RunStore | null, sweepFile: string): PresetRuns {
  const expected = loadSweepFile(sweepFile).runs;
  const finished = finishedRunsOf(store, expected);
  return { expected, finished, rows: finished.map(runRow), missing: expected.length - finished.length };
}
