// `nfx report --add-seeds`: the runs that would decide the comparisons left "not enough runs", within a time budget.
// Steps: what the store holds per point (its seeds and run times), each comparison's candidate runs and their
// estimated time, then the candidates that fit the budget, cheapest first.
import { configHash } from "../../core/config/hash.js";
import { mean } from "../../core/plot/stats.js";
import { DONE_STATUSES, type RunStore, type StoredRun } from "../../core/store/runStore.js";
import type { ExpandedRun } from "../../core/sweep/expand.js";
import { pointKey } from "../figures/presetRuns.js";
import { claimsInOrder, type Report } from "./buildReport.js";
import type { ComparisonResult } from "./decide.js";

/** One comparison the added seeds are meant to decide. */
export interface SeedAddition {
  claim: number;
  condition: string;
  perArm: number;
  /** Runs to train (new seeds of the arms' points), and their estimated wall time with the sweep's workers. */
  runs: number;
  seconds: number;
}

export interface SeedPlanResult {
  runs: ExpandedRun[];
  added: SeedAddition[];
  /**
   * Comparisons that would need seeds but were left: over the budget, no time estimate, an arm without runs, or more
   * seeds than power.ts plans for (perArm 0).
   */
  skipped: (Omit<SeedAddition, "runs" | "seconds"> & { reason: string })[];
}

type Skipped = SeedPlanResult["skipped"][number];

/** A comparison's new runs and their estimated total run time (null: no stored run to time them by). */
interface Candidate {
  claim: number;
  condition: string;
  perArm: number;
  runs: ExpandedRun[];
  seconds: number | null;
}

/** What the store holds per point (a config without its seed): the seeds taken, and finished runs' durations. */
interface StoredPoints {
  seedsOf: Map<string, Set<number>>;
  durationsOf: Map<string, number[]>;
  /** Every finished run's duration: the estimate of last resort. */
  storeDurations: number[];
}

function storedPoints(store: RunStore): StoredPoints {
  const seedsOf = new Map<string, Set<number>>();
  const durationsOf = new Map<string, number[]>();
  for (const run of store.listRuns()) {
    const key = pointKey(run.config);
    const seeds = seedsOf.get(key) ?? new Set<number>();
    seeds.add(run.config.seed);
    seedsOf.set(key, seeds);
    if (DONE_STATUSES.has(run.status) && run.duration_s !== null) {
      durationsOf.set(key, [...(durationsOf.get(key) ?? []), run.duration_s]);
    }
  }
  return { seedsOf, durationsOf, storeDurations: [...durationsOf.values()].flat() };
}

/**
 * The runs that bring each point of the arms to `perArm` seeds (the smallest seeds not yet stored for it), timed by
 * the point's stored durations, else the comparison's, else the store's.
 */
function newSeedRuns(
  stored: StoredPoints,
  armRuns: readonly StoredRun[],
  perArm: number,
): { runs: ExpandedRun[]; seconds: number | null } {
  const comparisonDurations = armRuns.map((r) => r.duration_s).filter((d): d is number => d !== null);
  const runs: ExpandedRun[] = [];
  let seconds: number | null = 0;
  const points = new Map<string, StoredRun>();
  for (const r of armRuns) points.set(pointKey(r.config), r);
  for (const [key, example] of points) {
    const taken = new Set(stored.seedsOf.get(key) ?? []);
    const have = armRuns.filter((r) => pointKey(r.config) === key).length;
    const per =
      stored.durationsOf.get(key) ??
      (comparisonDurations.length ? comparisonDurations : stored.storeDurations.length ? stored.storeDurations : null);
    for (let k = have, seed = 0; k < perArm; k++) {
      while (taken.has(seed)) seed++;
      taken.add(seed);
      const config = { ...example.config, seed };
      runs.push({ index: 0, point: { seed }, config, hash: configHash(config) });
      seconds = per && seconds !== null ? seconds + mean(per) : null;
    }
  }
  return { runs, seconds };
}

/** A "not enough runs" comparison's candidate runs, or why it gets none (null: it needs no seeds). */
function candidateOf(
  store: RunStore,
  stored: StoredPoints,
  claim: number,
  c: ComparisonResult,
): Candidate | Skipped | null {
  if (c.verdict !== "not enough runs" || !c.plan) return null;
  const perArm = c.plan.perArm;
  const base = { claim, condition: c.condition };
  if (!perArm) return { ...base, perArm: 0, reason: c.plan.note };
  const empty = c.arms.filter((a) => !a.runIds.length).map((a) => a.label);
  if (empty.length) return { ...base, perArm, reason: `no run of ${empty.join(", ")} to add seeds to` };
  const armRuns = c.arms.flatMap((a) => a.runIds.map((id) => store.getRun(id))).filter((r) => r !== undefined);
  const { runs, seconds } = newSeedRuns(stored, armRuns, perArm);
  return runs.length ? { ...base, perArm, runs, seconds } : null;
}

/**
 * The candidates that fit `budgetSeconds` of wall time on `jobs` workers: cheapest first, each whole or not at all,
 * a run two candidates share counted once. Candidates without a time estimate are skipped.
 */
function fitBudget(
  candidates: readonly Candidate[],
  skipped: Skipped[],
  budgetSeconds: number,
  jobs: number,
): SeedPlanResult {
  const out: SeedPlanResult = { runs: [], added: [], skipped };
  const chosen = new Set<string>();
  let spent = 0;
  const workers = Math.max(1, jobs);
  const known = candidates.filter((c) => c.seconds !== null).sort((a, b) => (a.seconds ?? 0) - (b.seconds ?? 0));
  for (const c of candidates.filter((x) => x.seconds === null)) {
    out.skipped.push({ claim: c.claim, condition: c.condition, perArm: c.perArm, reason: "no stored run to time" });
  }
  for (const c of known) {
    const fresh = c.runs.filter((r) => !chosen.has(r.hash));
    const perRun = (c.seconds ?? 0) / c.runs.length;
    const wall = (fresh.length * perRun) / workers;
    if (spent + wall > budgetSeconds) {
      out.skipped.push({
        claim: c.claim,
        condition: c.condition,
        perArm: c.perArm,
        reason: `needs ~${Math.ceil(wall / 60)} min, over the budget left (${Math.floor((budgetSeconds - spent) / 60)} min)`,
      });
      continue;
    }
    spent += wall;
    for (const r of fresh) {
      chosen.add(r.hash);
      out.runs.push({ ...r, index: out.runs.length });
    }
    out.added.push({ claim: c.claim, condition: c.condition, perArm: c.perArm, runs: fresh.length, seconds: wall });
  }
  return out;
}

/**
 * The runs that bring every "not enough runs" comparison of `report` to the seeds per arm its plan asks for, within
 * `budgetSeconds` of wall time on `jobs` workers. Each arm's points (its runs' configs without the seed) get new
 * seeds — the smallest not yet stored for that point — up to the plan's number. A run's time is estimated from the
 * stored durations of its point, else of the comparison's runs, else of every finished run in the store; the
 * comparisons are taken cheapest first, each whole or not at all (a half-added comparison decides nothing), and a
 * run two comparisons need is counted once.
 */
export function planExtraSeeds(store: RunStore, report: Report, budgetSeconds: number, jobs: number): SeedPlanResult {
  const stored = storedPoints(store);
  const candidates: Candidate[] = [];
  const skipped: Skipped[] = [];
  for (const { claim } of claimsInOrder(report)) {
    for (const test of claim.tests) {
      for (const c of test.comparisons) {
        const got = candidateOf(store, stored, claim.rule.id, c);
        if (got === null) continue;
        if ("reason" in got) skipped.push(got);
        else candidates.push(got);
      }
    }
  }
  return fitBudget(candidates, skipped, budgetSeconds, jobs);
}
