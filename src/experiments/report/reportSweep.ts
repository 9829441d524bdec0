// `nfx report --run-missing [--add-seeds --budget T]`: from any store (an empty one included) to the report in one
// command. Every figure the report uses has a preset sweep; their runs are merged into ONE sweep (a run two figures
// share — the same config hash — is trained once), which the sweep machinery runs with one progress bar and ETA and
// resumes by hash after an interruption; then the report is written. With --add-seeds, claims left "not enough runs"
// get the seeds per arm that would decide them at the spread observed (power.ts), as far as a time budget allows.
import type { BackendName } from "../../core/engine/backend/backend.js";
import type { FigureFormat } from "../../core/plot/render.js";
import { RunStore } from "../../core/store/runStore.js";
import type { EarlyStopHint } from "../../core/sweep/earlyStops.js";
import type { SweepEvents, SweepOutcome } from "../../core/sweep/events.js";
import { type ExpandedRun, loadSweepFile } from "../../core/sweep/expand.js";
import { defaultJobs } from "../../core/sweep/options.js";
import { prepareSweep, runPreparedSweep } from "../../core/sweep/runSweep.js";
import type { SweepSpec } from "../../core/sweep/sweepSpec.js";
import { type CostOptions, estimateSweep, estimatesFirst, type SweepCost } from "../costEstimate.js";
import { addedSeedsSweep } from "../figures/presetRuns.js";
import { presetDisplay, presetFile } from "../figures/presets.js";
import { SWEEP_FIGURES } from "../figures/registry.js";
import type { Preset } from "../figures/types.js";
import { failedReason } from "../sweepFile.js";
import { buildReport, type WrittenReport } from "./buildReport.js";
import { planExtraSeeds, type SeedPlanResult } from "./seedPlan.js";

/** The union of the report's preset sweeps: each run once, in figure order. */
export interface ReportSweep {
  spec: SweepSpec;
  runs: ExpandedRun[];
  /** Per figure: its sweep file as users type it, its runs, and how many of them another figure listed first. */
  figures: { figure: string; file: string; runs: number; shared: number }[];
}

function sweepSpec(name: string, description: string, earlyStops: EarlyStopHint[]): SweepSpec {
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
    earlyStops,
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
  const earlyStops: EarlyStopHint[] = [];
  for (const figure of SWEEP_FIGURES) {
    const loaded = loadSweepFile(presetFile(figure.name, preset, presetsDir));
    earlyStops.push(...loaded.spec.earlyStops);
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
  return { spec: sweepSpec(`report-${preset}`, `the runs of ${files}`, earlyStops), runs, figures };
}

/** `nfx report --run-missing --dry-run`: what training the report's missing runs would cost, per figure too. */
export interface ReportCost extends SweepCost {
  preset: Preset;
  figures: ReportSweep["figures"];
}

/** The cost of `nfx report --run-missing` before it runs (--add-seeds's runs depend on the results: not counted). */
export async function estimateReport(preset: Preset, opts: CostOptions, presetsDir?: string): Promise<ReportCost> {
  const union = reportSweepRuns(preset, presetsDir);
  return { preset, figures: union.figures, ...(await estimateSweep(union.runs, opts, union.spec.earlyStops)) };
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
  /** Told the estimate of the missing runs before they train (a full preset only, see estimatesFirst). */
  onEstimate?: (cost: SweepCost) => void;
}

export interface ReportRunResult extends WrittenReport {
  /** The estimate made before training (a full preset), else null. */
  estimate: SweepCost | null;
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
  // The pre-flight runs before the store is opened: a run that cannot train leaves no store behind.
  const prepared = await prepareSweep(runs, {
    backend: opts.backend,
    jobs: opts.jobs,
    events: opts.events,
    signal: opts.signal,
    stopNow: opts.stopNow,
  });
  const store = RunStore.open(opts.db);
  try {
    const outcome = await runPreparedSweep(store, spec, null, prepared);
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
  const estimate = estimatesFirst(opts.preset)
    ? await estimateSweep(union.runs, { db: opts.db, backend: opts.backend, jobs: opts.jobs }, union.spec.earlyStops)
    : null;
  if (estimate) opts.onEstimate?.(estimate);
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
      const spec = sweepSpec(
        addedSeedsSweep(opts.preset),
        "seeds added to decide claims left 'not enough runs'",
        union.spec.earlyStops,
      );
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
  return { ...written, planned: union.runs.length, ran, figures: union.figures, seeds, failed, estimate };
}
