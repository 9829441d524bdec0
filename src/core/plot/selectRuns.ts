// Which stored runs a plot draws: the one place that turns a user's selection into runs. The selection is the
// store's `--where` query language (core/store/where), so `nfx plot` and `nfx runs` select alike.
import { queryRuns } from "../store/runQuery.js";
import { DONE_STATUSES, type RunStore, type StoredRun } from "../store/runStore.js";
import { type RunRow, runRow } from "./runRows.js";

export interface SelectedRun {
  run: StoredRun;
  row: RunRow;
}

/** Finished runs (completed, diverged or collapsed) that match `where` (all finished runs when it is empty), oldest first. */
export function selectRuns(store: RunStore, where: string | undefined): SelectedRun[] {
  return queryRuns(store, { where })
    .filter((run) => DONE_STATUSES.has(run.status))
    .map((run) => ({ run, row: runRow(run) }));
}
