// `nfx report --sweep NAME --where EXPR` (by default every stored run): the claims decided from any stored runs, not
// only a preset's. Steps:
//   1. select the runs: a stored sweep's (the sweeps table), those a filter keeps (`nfx runs --where`), or all;
//   2. leave out the runs not finished (failed, pending, running), by status;
//   3. per claim, find its matched sets among the rest and decide it over them (matchRuns.ts, decide.ts);
//   4. draw each figure from the runs its claims used.
import { DEFAULT_BAND } from "../../core/plot/bands.js";
import { devicesSubtitle, runRow } from "../../core/plot/runRows.js";
import { queryRuns } from "../../core/store/runQuery.js";
import { DONE_STATUSES, type RunStore, type StoredRun } from "../../core/store/runStore.js";
import type { SweepFigure } from "../figures/types.js";
import type { FigureEvidence } from "./buildReport.js";
import { type ClaimResult, decideClaimIn } from "./decide.js";
import { type LeftOut, matchClaim } from "./matchRuns.js";
import { mechanismTable } from "./mechanism.js";

/** Which stored runs the report judges; both empty: every stored run. Both set: the sweep's runs the filter keeps. */
export interface RunSelection {
  sweep?: string;
  where?: string;
}

/** The selected runs: finished ones to match, the others left out of every claim by status. */
export interface JudgedRuns {
  /** The selection in words, for the report: "sweep ablation", "runs where optim.lr = 0.1", "every stored run". */
  text: string;
  /** Runs selected (≥ 1), of `stored` in the store. */
  selected: number;
  stored: number;
  finished: StoredRun[];
  unfinished: LeftOut[];
}

export function selectionText(sel: RunSelection): string {
  const parts = [sel.sweep ? `sweep ${sel.sweep}` : "", sel.where?.trim() ? `runs where ${sel.where.trim()}` : ""];
  return parts.filter(Boolean).join(", ") || "every stored run";
}

/**
 * Steps 1 and 2 of the header.
 * @throws Error naming --where (a filter that does not parse) or --sweep (no stored sweep of that name), the
 *   selection that keeps no run, or the store that holds none.
 */
export function judgedRuns(store: RunStore, sel: RunSelection, db: string): JudgedRuns {
  const sweepIds = sel.sweep === undefined ? null : store.runIdsOfSweepsNamed(sel.sweep);
  if (sweepIds && !sweepIds.size) throw new Error(`--sweep ${sel.sweep}: no sweep of that name in ${db}`);
  const all = store.listRuns();
  if (!all.length)
    throw new Error(`${db} holds no runs yet: run a sweep first, or \`nfx report --run-missing --preset quick\``);
  let runs = sel.where?.trim() ? queryRuns(store, { where: sel.where }) : all;
  if (sweepIds) runs = runs.filter((r) => sweepIds.has(r.id));
  if (!runs.length)
    throw new Error(`${selectionText(sel)}: no stored run is selected (of ${all.length} in ${db}); nothing to judge`);
  const unfinished: LeftOut[] = [];
  for (const run of runs.filter((r) => !DONE_STATUSES.has(r.status))) {
    const reason = `not finished (${run.status})`;
    const same = unfinished.find((l) => l.reason === reason);
    if (same) same.runIds.push(run.id);
    else unfinished.push({ reason, runIds: [run.id] });
  }
  const finished = runs.filter((r) => DONE_STATUSES.has(r.status));
  return { text: selectionText(sel), selected: runs.length, stored: all.length, finished, unfinished };
}

/** Step 3: the claim matched among the finished runs and decided, with the runs it used and those it left out. */
export function judgeClaim(rule: SweepFigure["claims"][number], judged: JudgedRuns): ClaimResult {
  const matching = matchClaim(rule, judged.finished);
  return {
    ...decideClaimIn(rule, matching.sets),
    runs: {
      sets: matching.sets.map((s) => ({ label: s.setting, runIds: s.runs.map((r) => r.id) })),
      leftOut: [...matching.leftOut, ...judged.unfinished],
    },
  };
}

/** Steps 3 and 4 for one figure: its claims judged, its chart drawn from the runs they used (null: none). */
export function judgedEvidence(
  store: RunStore,
  figure: SweepFigure,
  judged: JudgedRuns,
): Omit<FigureEvidence, "files"> {
  const claims = figure.claims.map((rule) => judgeClaim(rule, judged));
  const usedIds = new Set(claims.flatMap((c) => c.runs?.sets.flatMap((s) => s.runIds) ?? []));
  const used = judged.finished.filter((r) => usedIds.has(r.id));
  const rows = used.map(runRow);
  const drawn = figure.drawn(rows).length;
  const notDrawn = rows.length - drawn;
  const subtitle = [
    `${judged.text}: ${used.length} of ${judged.selected} runs used by claim ${claims.map((c) => c.rule.id).join(", ")}`,
    ...(notDrawn > 0 ? [`not drawn: ${notDrawn} ${notDrawn === 1 ? "run" : "runs"} (${figure.leftOut})`] : []),
    devicesSubtitle(used),
  ];
  return {
    figure: figure.name,
    title: figure.title,
    sweep: judged.text,
    runs: used.length,
    expected: judged.selected,
    devices: devicesSubtitle(used),
    spec: drawn ? figure.spec(rows, subtitle, DEFAULT_BAND) : null,
    claims,
    mechanism: mechanismTable(store, used),
  };
}
