// `nfx sweep FILE`: expand, run what is missing, and draw the sweep's comparison plot from the store.
import path from "node:path";
import type { BackendName } from "../core/engine/backend/backend.js";
import { writeFigure } from "../core/plot/render.js";
import { runLabel, sweepComparisonSpec } from "../core/plot/sweepPlot.js";
import { DONE_STATUSES, RunStore } from "../core/store/runStore.js";
import type { HeldRun, SweepEvents, SweepOutcome } from "../core/sweep/events.js";
import {
  type ExpandedRun,
  expandSweepPlan,
  fromExpansion,
  type LoadedSweep,
  loadSweepFile,
} from "../core/sweep/expand.js";
import { validateRuns } from "../core/sweep/preflight.js";
import { prepareSweep, runPreparedSweep } from "../core/sweep/runSweep.js";
import { parseSweep, type SweepSpec } from "../core/sweep/sweepSpec.js";
import { count } from "../core/text/plural.js";
import { type CostOptions, estimateSweep, type SweepCost } from "./costEstimate.js";
import { sweepFigureName } from "./sweepFigureName.js";

export interface PlannedRun {
  index: number;
  config_hash: string;
  point: ExpandedRun["point"];
  config: ExpandedRun["config"];
  /** Status in the store, if the store exists and has this run. */
  stored_status: string | null;
  /** Other points of the sweep that are this same run (they differ only in keys that change nothing). */
  same_run_points: { point: ExpandedRun["point"]; differing_keys: string[] }[];
}

/**
 * The expansion of a sweep file, with what the store already holds (read-only: nothing is written). It refuses
 * what `runSweepFile` refuses before training, except what needs the data read (validateRunsDeep).
 */
export function planSweep(file: string, sets: string[], db: string | null): { sweep: LoadedSweep; runs: PlannedRun[] } {
  const sweep = loadSweepSource(file, sets);
  validateRuns(sweep.runs);
  let stored = new Map<string, string>();
  if (db) {
    try {
      const store = RunStore.open(db, { readonly: true });
      try {
        // A run left `running` by a dead owner (kill -9) is one the sweep re-queues: said so.
        stored = new Map(
          store
            .listRuns()
            .map((r) => [r.config_hash, r.status === "running" && r.owner_alive === false ? "orphaned" : r.status]),
        );
      } finally {
        store.close();
      }
    } catch (err) {
      if (!(err instanceof Error && /no such store/.test(err.message))) throw err;
    }
  }
  return {
    sweep,
    runs: sweep.runs.map((r) => ({
      index: r.index,
      config_hash: r.hash,
      point: r.point,
      config: r.config,
      stored_status: stored.get(r.hash) ?? null,
      same_run_points: sweep.collapsed
        .filter((c) => c.into === r.index)
        .map((c) => ({ point: c.point, differing_keys: c.keys })),
    })),
  };
}

/** `nfx sweep --dry-run`: the planned runs and what training those the store lacks would cost here. */
export interface SweepDryRun {
  name: string;
  runs: PlannedRun[];
  estimate: SweepCost;
}

/** The sweep's plan (planSweep) and its cost estimate (estimateSweep); nothing is written but the calibration cache. */
export async function dryRunSweep(
  file: string,
  sets: string[],
  opts: Omit<CostOptions, "db"> & { db: string },
): Promise<{ sweep: LoadedSweep; result: SweepDryRun }> {
  const { sweep, runs } = planSweep(file, sets, opts.db);
  const estimate = await estimateSweep(sweep.runs, opts, sweep.spec.earlyStops);
  return { sweep, result: { name: sweep.spec.name, runs, estimate } };
}

export function countDone(runs: readonly PlannedRun[]): number {
  return runs.filter((r) => r.stored_status !== null && DONE_STATUSES.has(r.stored_status as never)).length;
}

export interface SweepFileOptions {
  db: string;
  backend: BackendName;
  sets: string[];
  retryFailed: boolean;
  /** Worker processes (default: the number of cores). */
  jobs?: number;
  /** TensorFlow threads per run on the native backends (SweepOptions.threads). */
  threads?: number;
  failFast?: boolean;
  figuresDir: string;
  events?: SweepEvents;
  /** Aborting stops the sweep gracefully (the first Ctrl-C). */
  signal?: AbortSignal;
  /** Aborting stops it at once (the second Ctrl-C). */
  stopNow?: AbortSignal;
  /** Wait for runs of the sweep that another live process holds (default), or leave them (see SweepOptions). */
  waitForHeld?: boolean;
  /** Refuse a file that describes more than one run (`nfx run`). */
  single?: boolean;
  /**
   * The config hash the single run must have: a Slurm task checks that it trains exactly what was submitted
   * (a different nfx version on the compute node could resolve the same file differently).
   */
  expectHash?: string;
  /** `db` is a Slurm task's result shard (see RunStore.open). */
  shard?: boolean;
  /** Told, before anything runs, what the user should know about the sweep (points that are one run). */
  warn?: (line: string) => void;
}

export interface SweepFileResult extends SweepOutcome {
  name: string;
  figure: { spec: string; svg: string } | null;
}

/** A sweep from a file, or (file null) the single run that the defaults and `--set` overrides describe. */
export function loadSweepSource(file: string | null, sets: string[]): LoadedSweep {
  if (file) return loadSweepFile(file, sets);
  const spec = parseSweep({}, "run");
  return { file: "", spec, ...fromExpansion(expandSweepPlan(spec, sets)) };
}

/**
 * Trains what the store lacks of a sweep file (or of the single run `--set` describes), then plots it. Everything
 * that can fail on bad input fails before the store is opened for writing: the file, then the sweep's pre-flight.
 */
export async function runSweepFile(file: string | null, opts: SweepFileOptions): Promise<SweepFileResult> {
  const sweep = loadRunnable(file, opts);
  const prepared = await prepareSweep(sweep.runs, {
    backend: opts.backend,
    retryFailed: opts.retryFailed,
    jobs: opts.jobs,
    ...(opts.threads === undefined ? {} : { threads: opts.threads }),
    failFast: opts.failFast,
    events: opts.events,
    signal: opts.signal,
    stopNow: opts.stopNow,
    waitForHeld: opts.waitForHeld,
  });
  for (const line of sweep.warnings) opts.warn?.(line);
  const store = RunStore.open(opts.db, { shard: opts.shard });
  try {
    const outcome = await runPreparedSweep(store, sweep.spec, file ? path.resolve(file) : null, prepared);
    const figure = await plotSweep(store, sweep, outcome, opts);
    return { ...outcome, name: sweep.spec.name, figure };
  } finally {
    store.close();
  }
}

/** The sweep a file describes, refused when `nfx run` gets more than one run or a run of another hash. */
function loadRunnable(file: string | null, opts: SweepFileOptions): LoadedSweep {
  const sweep = loadSweepSource(file, opts.sets);
  if (opts.single && sweep.runs.length !== 1) {
    throw new Error(`${file}: describes ${sweep.runs.length} runs; use \`nfx sweep\` for more than one`);
  }
  const got = sweep.runs[0]?.hash;
  if (opts.expectHash !== undefined && got !== opts.expectHash) {
    throw new Error(`${file}: config hash ${got} is not the expected ${opts.expectHash} (nfx versions differ?)`);
  }
  return sweep;
}

/**
 * The axes a sweep's figure is laid out by (core/plot/sweepLayout.ts): the file's grid keys in the order written,
 * then its zip keys (one axis: the figure keeps the first), then its random keys; the seed is pooled. A run of no
 * axis (`nfx run`) has none: its figure is one point.
 */
export function sweepAxes(spec: SweepSpec): string[] {
  return [...spec.grid, ...spec.zip, ...(spec.random?.params ?? [])].map(([key]) => key);
}

/** The sweep's comparison figure, of the runs with a result of their own, recorded with each; null for none. */
async function plotSweep(
  store: RunStore,
  sweep: LoadedSweep,
  outcome: SweepOutcome,
  opts: SweepFileOptions,
): Promise<SweepFileResult["figure"]> {
  const plotted = sweep.runs
    .map((r, i) => ({ r, run: store.getRun(outcome.runIds[i] as number) }))
    // Runs with a result (or an interruption) of their own: not pending, nor one another process still trains.
    .filter((x) => x.run !== undefined && x.run.status !== "pending" && x.run.status !== "running")
    .map((x) => ({
      run: x.run as NonNullable<typeof x.run>,
      label: runLabel(x.r.point, x.run as NonNullable<typeof x.run>),
    }));
  if (!plotted.length) return null;
  const figure = await writeFigure(
    sweepComparisonSpec(store, `nfx sweep: ${sweep.spec.name}`, plotted, sweepAxes(sweep.spec)),
    opts.figuresDir,
    sweepFigureName(
      store,
      opts.figuresDir,
      sweep.spec.name,
      plotted.map((p) => p.run),
      opts.single === true,
    ),
  );
  for (const p of plotted) store.addArtifact(p.run.id, "sweep-figure", path.resolve(figure.svg));
  return figure;
}

/** "pid 123 on host h" — who holds a run. */
export function ownerText(h: HeldRun): string {
  return h.owner ? `pid ${h.owner.pid} on host ${h.owner.host}` : "an unknown process";
}

/**
 * Why a sweep that was not stopped did not finish its grid, as one line, or null when it did: a sweep never ends
 * as a success with points unfinished. Runs another live process holds are named with their owner.
 */
export function unfinishedReason(result: SweepOutcome): string | null {
  if (result.interrupted || result.failedFast || result.unfinished === 0) return null;
  const held = result.heldElsewhere;
  if (held.length) {
    const who = held.map((h) => `run ${h.id} (${h.hash.slice(0, 10)}) by ${ownerText(h)}`).join(", ");
    const verb = held.length === 1 ? "is" : "are";
    return `${held.length} of ${count(result.runIds.length, "run")} ${verb} being trained by another process: ${who}; not waiting for them (--no-wait)`;
  }
  return `${result.unfinished} of ${count(result.runIds.length, "run")} ${result.unfinished === 1 ? "is" : "are"} unfinished`;
}

/**
 * The line that ends a command whose runs failed (exit status 1), or null when none did: the failed runs by id and
 * hash, the first one's error, and how to train them again. Interrupted runs are not failures (the next sweep re-runs
 * them), nor are diverged or collapsed ones (results).
 */
export function failedReason(result: SweepOutcome, command: string): string | null {
  const failed = result.failedRuns;
  if (result.interrupted || failed.length === 0) return null;
  const which = failed
    .slice(0, 5)
    .map((f) => `run ${f.id} (${f.hash.slice(0, 10)})`)
    .join(", ");
  const more = failed.length > 5 ? ` and ${failed.length - 5} more` : "";
  const first = failed[0]?.error ? `: ${failed[0].error.split("\n")[0]}` : "";
  const runs = `${failed.length} of ${count(result.runIds.length, "run")}`;
  return `${runs} failed: ${which}${more}${first}; fix the cause and re-run with \`${command} --retry-failed\``;
}

/** How a command that trained a sweep's runs ends (`nfx sweep`, `nfx run`): the one rule both follow. */
export interface SweepEnding {
  /** The grid is unfinished though nothing stopped it: the command fails with this message (unfinishedReason). */
  unfinished: string | null;
  /** The line naming the runs that failed, for stderr, or null (failedReason; none after --fail-fast). */
  failed: string | null;
  /** 130 when interrupted (the next sweep continues), 1 after --fail-fast or with failed runs, else 0. */
  exitStatus: number;
}

/** How the command `command` ends after `result`; `prefix` starts its messages (the sweep's name, or nothing). */
export function sweepEnding(result: SweepOutcome, command: string, prefix: string): SweepEnding {
  const unfinished = unfinishedReason(result);
  const failed = result.failedFast ? null : failedReason(result, command);
  return {
    unfinished: unfinished === null ? null : `${prefix}${unfinished}`,
    failed: failed === null ? null : `${prefix}${failed}`,
    exitStatus: result.interrupted ? 130 : result.failedFast || failed !== null ? 1 : 0,
  };
}
