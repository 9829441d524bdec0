// The cost of a sweep before it runs, for `nfx sweep --dry-run`, `nfx figure --dry-run`, `nfx report --run-missing
// --dry-run` and the estimate printed before a full preset trains. Steps: what the store holds (read-only, an absent
// store holds nothing), the runs it lacks, the machine (this host, the backend that would run, its cores), a
// calibrated throughput for each kind of run no stored run can time, then core/sweep/estimate.ts's estimate.
import os from "node:os";
import type { RunConfig } from "../core/config/schema.js";
import { availableCores, type BackendName, initBackend } from "../core/engine/backend/backend.js";
import { RunStore, type StoredRun } from "../core/store/runStore.js";
import type { EarlyStopHint } from "../core/sweep/earlyStops.js";
import {
  type CostEstimate,
  costKey,
  estimateCost,
  type Machine,
  storedBasis,
  type Throughput,
  timedRuns,
} from "../core/sweep/estimate.js";
import { type ExpandedRun, loadSweepFile } from "../core/sweep/expand.js";
import { defaultJobs } from "../core/sweep/options.js";
import { claimable } from "../core/sweep/plan.js";
import { presetDisplay, presetFile } from "./figures/presets.js";
import { assertFigureName, sweepFigure } from "./figures/registry.js";
import type { Preset } from "./figures/types.js";
import { calibratedThroughput } from "./throughput.js";

export interface CostOptions {
  /** The store to read (null or absent: an empty one). */
  db: string | null;
  backend: BackendName;
  /** Worker processes (default: the number of cores, as the sweep's). */
  jobs?: number;
  /** Runs stored failed are trained again (`--retry-failed`). */
  retryFailed?: boolean;
}

/** The estimate of the runs to train, and how many of the planned ones the store already settles or another holds. */
export interface SweepCost extends CostEstimate {
  planned: number;
  settled: number;
}

/** Step 1: every run the store holds; none when there is no store yet. */
function storedRuns(db: string | null): StoredRun[] {
  if (!db) return [];
  try {
    const store = RunStore.open(db, { readonly: true });
    try {
      return store.listRuns();
    } finally {
      store.close();
    }
  } catch (err) {
    if (err instanceof Error && /no such store/.test(err.message)) return [];
    throw err;
  }
}

/**
 * Step 2: the runs a sweep would train: not in the store, or stored pending, interrupted (or failed, retried), or
 * left `running` by an owner that is dead on this host (kill -9: the sweep re-queues it before it starts).
 */
export function runsToTrain(runs: readonly ExpandedRun[], stored: readonly StoredRun[], retryFailed: boolean) {
  const byHash = new Map(stored.map((r) => [r.config_hash, r]));
  return runs.filter((r) => {
    const s = byHash.get(r.hash);
    return s === undefined || claimable(s.status, retryFailed) || (s.status === "running" && s.owner_alive === false);
  });
}

/**
 * Step 3: this machine, with the backend a sweep's workers would choose for `requested` — loaded only when there
 * is something to train (with nothing to train, the backend stays as requested: `auto` is not resolved for nothing).
 */
async function thisMachine(requested: BackendName, anything: boolean): Promise<Machine> {
  const backend = anything ? (await initBackend(requested)).name : requested;
  return { host: os.hostname(), backend, cores: availableCores() };
}

/**
 * Step 4: a throughput for each kind of run (cost key and batch) that no stored run times, measured or cached; the
 * first run of a kind stands for it (its AGC included: the granularity changes a step's cost by ≈5%).
 */
async function calibrations(
  runs: readonly ExpandedRun[],
  stored: readonly StoredRun[],
  machine: Machine,
): Promise<(cfg: RunConfig) => Throughput | null> {
  const timed = timedRuns(stored, machine);
  const kindOf = (cfg: RunConfig) => `${costKey(cfg)}|${cfg.train.batch_size}`;
  const measured = new Map<string, Throughput>();
  for (const r of runs) {
    const kind = kindOf(r.config);
    if (measured.has(kind) || storedBasis(r.config, timed)) continue;
    measured.set(kind, await calibratedThroughput(r.config, machine.backend));
  }
  return (cfg) => measured.get(kindOf(cfg)) ?? null;
}

/** What training the runs of `runs` that the store lacks would cost on this machine (see the header's steps). */
export async function estimateSweep(
  runs: readonly ExpandedRun[],
  opts: CostOptions,
  earlyStops: readonly EarlyStopHint[] = [],
): Promise<SweepCost> {
  const stored = storedRuns(opts.db);
  const missing = runsToTrain(runs, stored, opts.retryFailed === true);
  const machine = await thisMachine(opts.backend, missing.length > 0);
  const calibrated = await calibrations(missing, stored, machine);
  const estimate = estimateCost(missing, stored, machine, opts.jobs ?? defaultJobs(), calibrated, earlyStops);
  return { ...estimate, planned: runs.length, settled: runs.length - missing.length };
}

/**
 * Whether `--run-missing` of `preset` estimates its cost before it trains: a standard or full preset takes hours on a
 * CPU, which the user should see before the first run; a quick one takes minutes (its file says how many), not worth
 * the seconds a calibration costs.
 */
export function estimatesFirst(preset: Preset): boolean {
  return preset !== "quick";
}

/** `nfx figure NAME --preset P --dry-run`: what training the figure's missing runs would cost. */
export interface FigureCost extends SweepCost {
  figure: string;
  preset: Preset;
  sweep_file: string;
}

/**
 * The cost of `nfx figure NAME --preset P --run-missing` before it runs.
 * @throws Error naming the figure when it is unknown or draws no sweep of its own (curves, spp), or its preset's.
 */
export async function estimateFigure(name: string, preset: Preset, opts: CostOptions): Promise<FigureCost> {
  assertFigureName(name);
  if (!sweepFigure(name))
    throw new Error(`${name}: --dry-run: this figure trains no runs of its own (nothing to estimate)`);
  const { runs, spec } = loadSweepFile(presetFile(name, preset));
  const cost = await estimateSweep(runs, opts, spec.earlyStops);
  return { figure: name, preset, sweep_file: presetDisplay(name, preset), ...cost };
}
