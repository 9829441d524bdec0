// `nfx report --run-missing [--add-seeds --budget T]`: from any store (an empty one included) to the report in one
// command. Every figure the report uses has a preset sweep; their runs are merged into ONE sweep (a run two figures
// share — the same config hash — is trained once), which the sweep machinery runs with one progress bar and ETA and
// resumes by hash after an interruption; then the report is written. With --add-seeds, claims left "not enough runs"
// get the seeds per arm that would decide them at the spread observed (power.ts), as far as a time budget allows.
import { configHash } from "../../core/config/hash.js";
import type { BackendName } from "../../core/engine/backend.js";
import type { FigureFormat } from "../../core/plot/render.js";
import { mean } from "../../core/plot/stats.js";
import { DONE_STATUSES, RunStore, type StoredRun } from "../../core/store/runStore.js";
import type { SweepEvents, SweepOutcome } from "../../core/sweep/events.js";
import { type ExpandedRun, loadSweepFile, type SweepSpec } from "../../core/sweep/expand.js";
import { defaultJobs } from "../../core/sweep/options.js";
import { validateRuns } from "../../core/sweep/preflight.js";
import { runSweep } from "../../core/sweep/runSweep.js";
import { addedSeedsSweep, pointKey } from "../figures/presetRuns.js";
import { presetDisplay, presetFile } from "../figures/presets.js";
import { SWEEP_FIGURES } from "../figures/registry.js";
import type { Preset } from "../figures/types.js";
import { failedReason } from "../sweepFile.js";
import { buildReport, claimsInOrder, type Report, type WrittenReport } from "./buildReport.js";

/** The union of the report's preset sweeps: each run once, in figure order. */
export interface ReportSweep {
  spec: SweepSpec;
  runs: ExpandedRun[];
  /** Per figure: its sweep file as users type it, its runs, and how many of them another figure listed first. */
  figures: { figure: string; file: string; runs: number; shared: number }[];
}

function sweepSpec(name: string, description: string): SweepSpec {
  return {
    name,
    description,
    base: {},
    grid: [],
    zip: [],
    random: null,
    exclude: [],
    only: [],
    seeds: null,
    slurm: null,
  };
}

/**
 * Every run of every figure the report uses, from the preset sweep files, deduplicated by config hash.
 * @throws what loading a sweep file throws (file:line:col for config faults), before anything runs.
 */
export function reportSweepRuns(preset: Preset, presetsDir?: string): ReportSweep {
  const runs: ExpandedRun[] = [];
  const seen = new Set<string>();
  const figures: ReportSweep["figures"] = [];
  for (const figure of SWEEP_FIGURES) {
    const loaded = loadSweepFile(presetFile(figure.name, preset, presetsDir));
    let shared = 0;
    for (const r of loaded.runs) {
      if (seen.has(r.hash)) {
        shared++;
        continue;
      }
      seen.add(r.hash);
      runs.push({ ...r, index: runs.length });
    }
    figures.push({ figure: figure.name, file: presetDisplay(figure.name, preset), runs: loaded.runs.length, shared });
  }
  const files = figures.map((f) => f.file).join(", ");
  return { spec: sweepSpec(`report-${preset}`, `the runs of ${files}`), runs, figures };
}

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

/**
 * The runs that bring every "not enough runs" comparison of `report` to the seeds per arm its plan asks for, within
 * `budgetSeconds` of wall time on `jobs` workers. Each arm's points (its runs' configs without the seed) get new
 * seeds — the smallest not yet stored for that point — up to the plan's number. A run's time is estimated from the
 * stored durations of its point, else of the comparison's runs, else of every finished run in the store; the
 * comparisons are taken cheapest first, each whole or not at all (a half-added comparison decides nothing), and a
 * run two comparisons need is counted once.
 */
export function planExtraSeeds(store: RunStore, report: Report, budgetSeconds: number, jobs: number): SeedPlanResult {
  const all = store.listRuns();
  const seedsOf = new Map<string, Set<number>>();
  const durationsOf = new Map<string, number[]>();
  for (const run of all) {
    const key = pointKey(run.config);
    const seeds = seedsOf.get(key) ?? new Set<number>();
    seeds.add(run.config.seed);
    seedsOf.set(key, seeds);
    if (DONE_STATUSES.has(run.status) && run.duration_s !== null) {
      durationsOf.set(key, [...(durationsOf.get(key) ?? []), run.duration_s]);
    }
  }
  const storeDurations = [...durationsOf.values()].flat();
  const candidates: {
    claim: number;
    condition: string;
    perArm: number;
    runs: ExpandedRun[];
    seconds: number | null;
  }[] = [];
  const skipped: SeedPlanResult["skipped"] = [];
  for (const { claim } of claimsInOrder(report)) {
    for (const test of claim.tests) {
      for (const c of test.comparisons) {
        if (c.verdict !== "not enough runs" || !c.plan) continue;
        const perArm = c.plan.perArm;
        const base = { claim: claim.rule.id, condition: c.condition };
        if (!perArm) {
          skipped.push({ ...base, perArm: 0, reason: c.plan.note });
          continue;
        }
        const empty = c.arms.filter((a) => !a.runIds.length).map((a) => a.label);
        if (empty.length) {
          skipped.push({ ...base, perArm, reason: `no run of ${empty.join(", ")} to add seeds to` });
          continue;
        }
        const armRuns = c.arms.flatMap((a) => a.runIds.map((id) => store.getRun(id))).filter((r) => r !== undefined);
        const comparisonDurations = armRuns.map((r) => r.duration_s).filter((d): d is number => d !== null);
        const runs: ExpandedRun[] = [];
        let seconds: number | null = 0;
        const points = new Map<string, StoredRun>();
        for (const r of armRuns) points.set(pointKey(r.config), r);
        for (const [key, example] of points) {
          const taken = new Set(seedsOf.get(key) ?? []);
          const have = armRuns.filter((r) => pointKey(r.config) === key).length;
          const per =
            durationsOf.get(key) ??
            (comparisonDurations.length ? comparisonDurations : storeDurations.length ? storeDurations : null);
          for (let k = have, seed = 0; k < perArm; k++) {
            while (taken.has(seed)) seed++;
            taken.add(seed);
            const config = { ...example.config, seed };
            runs.push({ index: 0, point: { seed }, config, hash: configHash(config) });
            seconds = per && seconds !== null ? seconds + mean(per) : null;
          }
        }
        if (runs.length) candidates.push({ claim: claim.rule.id, condition: c.condition, perArm, runs, seconds });
      }
    }
  }
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
 * "30m", "1h30m", "90s", "2h", or a bare number of minutes, as seconds.
 * @throws Error naming the flag when the text is not a positive duration.
 */
export function parseBudget(text: string, flag = "--budget"): number {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t) * 60;
  const m = /^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?$/.exec(t);
  const seconds = m ? Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0) : Number.NaN;
  if (!m || !(seconds > 0)) {
    throw new Error(`${flag} ${text}: not a duration (e.g. 30m, 1h30m, 90s, or minutes as a number)`);
  }
  return seconds;
}

export interface ReportRunOptions {
  preset: Preset;
  db: string;
  out: string | null;
  formats?: readonly FigureFormat[];
  /** Where the preset sweeps are (default: the package's configs/). */
  presetsDir?: string;
  backend: BackendName;
  jobs?: number;
  /** After the missing runs: add the seeds that would decide "not enough runs" claims within this many seconds. */
  addSeedsBudget?: number | null;
  events?: SweepEvents;
  signal?: AbortSignal;
  stopNow?: AbortSignal;
}

export interface ReportRunResult extends WrittenReport {
  /** Runs of the preset sweeps (deduplicated), and how many this call trained. */
  planned: number;
  ran: number;
  figures: ReportSweep["figures"];
  seeds: SeedPlanResult | null;
  /** The line naming the report's runs stored failed (the command then exits 1), else null. */
  failed: string | null;
}

/** The sweep of `nfx report --run-missing` was stopped (Ctrl-C): the stored runs stay, the same call continues. */
export class ReportInterrupted extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ReportInterrupted";
  }
}

async function sweepOnce(
  spec: SweepSpec,
  runs: ExpandedRun[],
  opts: ReportRunOptions,
  what: string,
): Promise<SweepOutcome> {
  const store = RunStore.open(opts.db);
  try {
    const outcome = await runSweep(store, spec, null, runs, {
      backend: opts.backend,
      jobs: opts.jobs,
      events: opts.events,
      signal: opts.signal,
      stopNow: opts.stopNow,
    });
    if (outcome.interrupted) {
      throw new ReportInterrupted(
        `report: interrupted after ${outcome.ran} of ${what}; run the same command again to continue where it stopped`,
      );
    }
    return outcome;
  } finally {
    store.close();
  }
}

/**
 * Trains what the report's figures lack (one sweep over the union of their preset runs), optionally adds seeds
 * (planExtraSeeds), then builds the report. Running it again trains nothing; interrupted, it throws, and the next
 * call continues from the stored runs.
 * @throws config faults before anything runs; ReportInterrupted ("report: interrupted …") when stopped.
 */
export async function runReport(opts: ReportRunOptions): Promise<ReportRunResult> {
  const union = reportSweepRuns(opts.preset, opts.presetsDir);
  validateRuns(union.runs);
  const first = await sweepOnce(union.spec, union.runs, opts, `the ${union.runs.length} runs of the report`);
  let ran = first.ran;
  const failedRuns = [...first.failedRuns];
  let seeds: SeedPlanResult | null = null;
  if (opts.addSeedsBudget) {
    const decided = await buildReport({ preset: opts.preset, db: opts.db, out: null, presetsDir: opts.presetsDir });
    const store = RunStore.open(opts.db, { readonly: true });
    try {
      seeds = planExtraSeeds(store, decided.report, opts.addSeedsBudget, opts.jobs ?? defaultJobs());
    } finally {
      store.close();
    }
    if (seeds.runs.length) {
      const spec = sweepSpec(addedSeedsSweep(opts.preset), "seeds added to decide claims left 'not enough runs'");
      const added = await sweepOnce(spec, seeds.runs, opts, `the ${seeds.runs.length} added seeds`);
      ran += added.ran;
      failedRuns.push(...added.failedRuns);
    }
  }
  const written = await buildReport({
    preset: opts.preset,
    db: opts.db,
    out: opts.out,
    formats: opts.formats,
    presetsDir: opts.presetsDir,
  });
  const failed = failedReason(
    { ...first, failedRuns, runIds: union.runs.map((_, i) => i) },
    `nfx sweep configs/<figure>.${opts.preset}.yaml`,
  );
  return { ...written, planned: union.runs.length, ran, figures: union.figures, seeds, failed };
}
