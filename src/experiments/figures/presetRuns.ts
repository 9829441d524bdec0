// A figure's runs are its preset sweep's runs: the store is asked for each expected config hash, so a figure never
// mixes in runs of another dataset size or length that happen to share λ and batch size.
import { configHash } from "../../core/config/hash.js";
import type { RunConfig } from "../../core/config/schema.js";
import { devicesSubtitle, type RunRow, runRow } from "../../core/plot/runRows.js";
import { DONE_STATUSES, RunStore, type StoredRun } from "../../core/store/runStore.js";
import { type ExpandedRun, loadSweepFile } from "../../core/sweep/expand.js";
import type { SweepFigure } from "./types.js";

export interface PresetRuns {
  expected: readonly ExpandedRun[];
  /** Finished (completed, diverged or collapsed) runs of the sweep, then its points' added seeds (`extra`). */
  finished: StoredRun[];
  rows: RunRow[];
  missing: number;
  /** Finished runs of the sweep's points at seeds the sweep does not list (added by `nfx report --add-seeds`). */
  extra: number;
}

/** The name of the sweeps `nfx report --add-seeds` runs for a preset: their runs count as the preset's seeds. */
export function addedSeedsSweep(preset: string): string {
  return `report-${preset}-seeds`;
}

/** A run's identity without its seed: the seed replicates of one point share it. */
export function pointKey(config: RunConfig): string {
  return configHash({ ...config, seed: 0 });
}

/**
 * Finished runs of the sweeps named `seedsSweep` (`nfx report --add-seeds`, see addedSeedsSweep) that are points of
 * `expected` at another seed than the sweep lists, in id order. They are replicates of the preset's points added to
 * decide a claim, so figures and verdicts count them with the rest. Runs of other sweeps at other seeds are not
 * counted: a preset's evidence is its own runs and the seeds added for it.
 */
export function extraSeedRuns(
  store: RunStore | null,
  expected: readonly ExpandedRun[],
  seedsSweep: string | undefined,
): StoredRun[] {
  if (!store || !seedsSweep) return [];
  const ids = store.runIdsOfSweepsNamed(seedsSweep);
  if (!ids.size) return [];
  const hashes = new Set(expected.map((r) => r.hash));
  const points = new Set(expected.map((r) => pointKey(r.config)));
  return [...ids]
    .sort((a, b) => a - b)
    .map((id) => store.getRun(id))
    .filter((run): run is StoredRun => run !== undefined)
    .filter((run) => DONE_STATUSES.has(run.status) && !hashes.has(run.config_hash) && points.has(pointKey(run.config)));
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

/** The preset sweep's finished runs, plus its points' seeds in the sweeps named `seedsSweep` (addedSeedsSweep). */
export function presetRuns(store: RunStore | null, sweepFile: string, seedsSweep?: string): PresetRuns {
  const expected = loadSweepFile(sweepFile).runs;
  const own = finishedRunsOf(store, expected);
  const extra = extraSeedRuns(store, expected, seedsSweep);
  const finished = [...own, ...extra];
  return { expected, finished, rows: finished.map(runRow), missing: expected.length - own.length, extra: extra.length };
}

/**
 * A sweep figure's subtitle: how many of the sweep's runs are stored, every finished run that the chart does not
 * draw named with the reason (so that no run is silently left out), and the devices the runs ran on.
 */
export function sweepSubtitle(figure: SweepFigure, sweep: string, runs: PresetRuns): string[] {
  const drawnIds = new Set(figure.drawn(runs.rows).map((r) => r.run_id));
  const notDrawn = runs.rows.filter((r) => !drawnIds.has(r.run_id)).length;
  return [
    `${sweep}: ${runs.finished.length - runs.extra} of ${runs.expected.length} runs` +
      (runs.missing ? ` (${runs.missing} missing)` : "") +
      (runs.extra ? ` + ${runs.extra} runs at added seeds` : ""),
    ...(notDrawn ? [`not drawn: ${notDrawn} ${notDrawn === 1 ? "run" : "runs"} (${figure.leftOut})`] : []),
    devicesSubtitle(runs.finished),
  ];
}
