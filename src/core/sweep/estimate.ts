// What a sweep's missing runs will cost before they run, on this machine and backend. Steps:
// 1. size each run: its optimizer steps (the trainer's own count, train/prepare.ts planSteps) and images, and the
//    steps it is expected to train where its other seeds in the store, or the sweep file's pilots, say it stops
//    early (earlyStops.ts: a run that diverges stops at once);
// 2. time each run from the store's similar runs (same model, data and batch on this backend and host: seconds per
//    step; at another batch: seconds per image), else from a throughput the caller calibrated on this machine;
// 3. place the runs on the workers in sweep order, as the worker pool takes them: the wall time is the last to end.
// A run nothing says stops early is counted at all its steps: where a run diverges unforeseen, it costs less.
import { canonicalJson } from "../config/hash.js";
import type { RunConfig } from "../config/schema.js";
import { datasetFacts } from "../data/datasets.js";
import type { StoredRun } from "../store/runStore.js";
import { planSteps } from "../train/prepare.js";
import { type EarlyStopHint, type ExpectedStop, expectedStop } from "./earlyStops.js";
import type { ExpandedRun } from "./expand.js";

/** Where the runs would train. */
export interface Machine {
  host: string;
  /** The concrete backend (wasm, tensorflow, …), as runs record it (environment.backend). */
  backend: string;
  cores: number;
}

/** One worker's training throughput for a model and micro-batch, measured alone on this machine (images/s). */
export interface Throughput {
  imagesPerS: number;
  micro: number;
  /** The machine's 1-minute load average when it was measured: a busy machine measures, and trains, slower. */
  load: number;
  /** Read from the cache rather than measured by this call. */
  cached: boolean;
}

/** What a run's time was estimated from. */
export type CostBasis =
  | { kind: "stored-steps"; runIds: number[]; secondsPerStep: number }
  | { kind: "stored-images"; runIds: number[]; secondsPerImage: number }
  | ({ kind: "calibrated"; model: string; batch: number } & Throughput)
  | { kind: "none"; why: string };

export interface RunCost {
  index: number;
  hash: string;
  point: ExpandedRun["point"];
  /** Optimizer steps and training images planned; null when the training split's size is known once it is read. */
  steps: number | null;
  images: number | null;
  /** Where the run is expected to stop before its last step (it is timed to there), or null. */
  stop: ExpectedStop | null;
  /** Seconds on one worker (alongside the others), or null when nothing could time it. */
  seconds: number | null;
  basis: CostBasis;
}

export interface CostEstimate {
  machine: Machine;
  /** Worker processes asked for, and how many would run at once (never more than the runs). */
  jobs: number;
  workers: number;
  runs: RunCost[];
  /** Planned steps and images of all the runs. */
  steps: number;
  images: number;
  /** Steps expected to be trained, early stops counted (≤ steps). */
  expectedSteps: number;
  /** Wall time of the runs on the workers; null when a run could not be timed. */
  seconds: number | null;
}

/** A test image costs a forward pass: about a third of a training image's work (a forward and two backward). */
const EVAL_COST = 1 / 3;
/**
 * How much two workers on two cores slow each other: they share the L3 cache and memory bandwidth. Measured
 * (docs/timings.md) 18% on the AVX2 development VM (`nfx sweep` --jobs 2 vs 1) and ≈0% on the AVX-512 one (fig2b
 * quick's runs side by side took the calibrated time alone); the middle keeps either machine within 9%. A calibration
 * measures one worker alone, and a stored run that trained beside another is brought back to its time alone
 * (timedRuns); times alone are scaled by this when workers run side by side.
 */
export const PARALLEL_SLOWDOWN = 1.09;

/** Model keys that set the starting weights, not the computation: runs that differ only in them cost the same. */
const COST_NEUTRAL_MODEL_KEYS = new Set(["skipGainInit", "init_from", "init_from_sha256", "init_from_names"]);

/** Step 1: a run's optimizer steps and images, or null when its training split's size is unknown before reading. */
export function runSize(cfg: RunConfig): { steps: number; images: number } | null {
  const split = datasetFacts(cfg.data.name)?.splits?.train;
  let steps: number;
  if (split !== undefined) steps = planSteps(cfg, Math.min(cfg.data.train_size ?? split, split)).total;
  else if (cfg.train.steps !== null) steps = cfg.train.steps;
  else return null;
  return { steps, images: steps * cfg.train.batch_size };
}

/** What decides a run's cost per image, apart from the machine: the model's computation and the input. */
export function costKey(cfg: RunConfig): string {
  const model = Object.fromEntries(Object.entries(cfg.model).filter(([k]) => !COST_NEUTRAL_MODEL_KEYS.has(k)));
  return canonicalJson({ model, data: cfg.data.name, image_size: cfg.data.image_size });
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** A stored run with its duration as if it had trained alone (see PARALLEL_SLOWDOWN). */
export interface TimedRun {
  run: StoredRun;
  aloneSeconds: number;
}

/** Whether `r` trained while another run on its host did: their start–finish intervals overlap. */
function ranAlongside(r: StoredRun, all: readonly StoredRun[]): boolean {
  const start = Date.parse(r.started_at ?? "");
  const end = Date.parse(r.finished_at ?? "");
  if (!Number.isFinite(start) || !Number.isFinite(end)) return false;
  return all.some(
    (o) =>
      o.id !== r.id &&
      o.environment?.host === r.environment?.host &&
      Date.parse(o.started_at ?? "") < end &&
      Date.parse(o.finished_at ?? "") > start,
  );
}

/**
 * Stored runs that finished every step on this machine and backend, with a duration: the ones to time by. A run
 * that trained beside another is counted at its time alone, so that any number of workers can be timed from it.
 * A resumed run is not: its duration sums attempts that may have run elsewhere and trained the steps after their
 * last checkpoint twice, so it is no clean time per step.
 */
export function timedRuns(stored: readonly StoredRun[], machine: Machine): TimedRun[] {
  return stored
    .filter(
      (r) =>
        r.status === "completed" &&
        r.duration_s !== null &&
        r.duration_s > 0 &&
        r.steps_done > 0 &&
        r.summary?.resumed_from_step === undefined &&
        r.environment?.host === machine.host &&
        r.environment?.backend === machine.backend,
    )
    .map((run) => ({
      run,
      aloneSeconds: (run.duration_s as number) / (ranAlongside(run, stored) ? PARALLEL_SLOWDOWN : 1),
    }));
}

/** Step 2 from the store: seconds per step of the same batch, else per image of the same model; null if none. */
export function storedBasis(cfg: RunConfig, timed: readonly TimedRun[]): CostBasis | null {
  const key = costKey(cfg);
  const like = timed.filter((t) => costKey(t.run.config) === key);
  const same = like.filter((t) => t.run.config.train.batch_size === cfg.train.batch_size);
  if (same.length) {
    const perStep = median(same.map((t) => t.aloneSeconds / t.run.steps_done));
    return { kind: "stored-steps", runIds: same.map((t) => t.run.id), secondsPerStep: perStep };
  }
  if (like.length) {
    const perImage = median(like.map((t) => t.aloneSeconds / (t.run.steps_done * t.run.config.train.batch_size)));
    return { kind: "stored-images", runIds: like.map((t) => t.run.id), secondsPerImage: perImage };
  }
  return null;
}

/** Test images a run evaluates: its test split at the end, or every train.eval_every steps. */
function testImages(cfg: RunConfig, steps: number): number {
  const split = datasetFacts(cfg.data.name)?.splits?.test ?? cfg.data.test_size ?? 0;
  const evals = cfg.train.eval_every > 0 ? Math.ceil(steps / cfg.train.eval_every) : 1;
  return Math.min(cfg.data.test_size ?? split, split) * evals;
}

/** Step 2 for one run: its seconds on one worker, `workers` of them sharing `machine.cores`. */
function runSeconds(
  cfg: RunConfig,
  size: { steps: number; images: number },
  basis: CostBasis,
  workers: number,
  cores: number,
): number | null {
  // Every basis is a time alone; workers side by side slow each other, more workers than cores take turns.
  const slowdown = (workers > 1 ? PARALLEL_SLOWDOWN : 1) * Math.max(1, workers / cores);
  switch (basis.kind) {
    case "stored-steps":
      return basis.secondsPerStep * size.steps * slowdown;
    case "stored-images":
      return basis.secondsPerImage * size.images * slowdown;
    case "calibrated":
      return ((size.images + EVAL_COST * testImages(cfg, size.steps)) / basis.imagesPerS) * slowdown;
    case "none":
      return null;
  }
}

function calibratedBasis(cfg: RunConfig, throughput: Throughput | null): CostBasis {
  return throughput
    ? { kind: "calibrated", model: cfg.model.name, batch: cfg.train.batch_size, ...throughput }
    : { kind: "none", why: "no similar stored run and no calibrated throughput" };
}

/** Step 3: the wall time of `seconds` (in sweep order) on `workers` workers, each taking the next run when free. */
export function makespan(seconds: readonly number[], workers: number): number {
  const free = new Array<number>(Math.max(1, workers)).fill(0);
  for (const s of seconds) {
    const i = free.indexOf(Math.min(...free));
    free[i] = (free[i] as number) + s;
  }
  return Math.max(...free);
}

/**
 * The cost of training `runs` (those a store lacks) on `machine` with `jobs` workers, timed by `stored` runs where
 * similar ones exist, else by `calibrated(cfg)` (null: no throughput for it).
 */
export function estimateCost(
  runs: readonly ExpandedRun[],
  stored: readonly StoredRun[],
  machine: Machine,
  jobs: number,
  calibrated: (cfg: RunConfig) => Throughput | null,
  earlyStops: readonly EarlyStopHint[] = [],
): CostEstimate {
  const workers = Math.max(1, Math.min(jobs, runs.length));
  const timed = timedRuns(stored, machine);
  const costs = runs.map((r): RunCost => {
    const planned = runSize(r.config);
    const stop = planned ? expectedStop(r.config, planned.steps, stored, earlyStops) : null;
    const size = planned && stop ? { steps: stop.steps, images: stop.steps * r.config.train.batch_size } : planned;
    const base = {
      index: r.index,
      hash: r.hash,
      point: r.point,
      steps: planned?.steps ?? null,
      images: planned?.images ?? null,
      stop,
    };
    if (!size)
      return {
        ...base,
        seconds: null,
        basis: { kind: "none", why: "the training split's size is known once it is read" },
      };
    const basis = storedBasis(r.config, timed) ?? calibratedBasis(r.config, calibrated(r.config));
    return { ...base, seconds: runSeconds(r.config, size, basis, workers, machine.cores), basis };
  });
  const times = costs.map((c) => c.seconds);
  return {
    machine,
    jobs,
    workers,
    runs: costs,
    steps: costs.reduce((a, c) => a + (c.steps ?? 0), 0),
    images: costs.reduce((a, c) => a + (c.images ?? 0), 0),
    expectedSteps: costs.reduce((a, c) => a + (c.stop?.steps ?? c.steps ?? 0), 0),
    seconds: times.every((t) => t !== null) ? makespan(times as number[], workers) : null,
  };
}
