// A sweep's options and the machine policy behind their defaults (workers per core, threads per worker). Every
// default is taken once, by resolveSweepOptions; the steps of a sweep read the resolved options and re-default
// nothing.

import os from "node:os";
import type { BackendName } from "../engine/backend/backend.js";
import type { SweepEvents } from "./events.js";

export interface SweepOptions {
  backend: BackendName;
  retryFailed?: boolean;
  /** Worker processes (default: the number of cores). */
  jobs?: number;
  /**
   * TensorFlow intra-op threads per worker on the native backends (default: cores ÷ workers, at least 1; see
   * threadsPerRun). Workers × threads may not exceed the cores. wasm and cpu compute on one thread regardless.
   */
  threads?: number;
  /** Stop the sweep (interrupting running runs) at the first failed run. */
  failFast?: boolean;
  /** Aborting stops the sweep: running runs stop at their next step boundary and are stored interrupted. */
  signal?: AbortSignal;
  /** Aborting stops the sweep at once: workers are killed and their runs stored interrupted (a second Ctrl-C). */
  stopNow?: AbortSignal;
  /**
   * Runs of the grid that another live process holds: wait until they are settled, taking over any whose owner
   * dies (true, the default), or leave them to it and list them in the outcome's `heldElsewhere` (false).
   */
  waitForHeld?: boolean;
  /** While waiting for held runs, they are looked at every this many ms (default 1000). */
  pollMs?: number;
  events?: SweepEvents;
  /** The store is written (metrics, evals, heartbeats) every this many ms. */
  flushMs?: number;
  /** A running run whose heartbeat is older than this is an orphan (its owner is on another host or hung). */
  staleSeconds?: number;
  /** How long a stopped run may take to reach its next step boundary before its worker is killed. */
  stopGraceMs?: number;
}

/** SweepOptions with every default applied (resolveSweepOptions). */
export interface ResolvedSweepOptions {
  backend: BackendName;
  retryFailed: boolean;
  /** Most worker processes (the plan may start fewer: never more than it has runs for). */
  jobs: number;
  /** Threads per worker when given; undefined: the cores are shared among the workers the plan starts. */
  threads: number | undefined;
  /** This machine's cores. */
  cores: number;
  failFast: boolean;
  signal: AbortSignal | undefined;
  stopNow: AbortSignal | undefined;
  waitForHeld: boolean;
  pollMs: number;
  events: SweepEvents | undefined;
  flushMs: number;
  staleSeconds: number;
  stopGraceMs: number;
}

export const DEFAULT_STALE_SECONDS = 30;

export function defaultJobs(): number {
  return typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length;
}

/** Applies every default of a sweep's options, once. */
export function resolveSweepOptions(opts: SweepOptions): ResolvedSweepOptions {
  const cores = defaultJobs();
  return {
    backend: opts.backend,
    retryFailed: opts.retryFailed === true,
    jobs: opts.jobs ?? cores,
    threads: opts.threads,
    cores,
    failFast: opts.failFast === true,
    signal: opts.signal,
    stopNow: opts.stopNow,
    waitForHeld: opts.waitForHeld !== false,
    pollMs: opts.pollMs ?? 1000,
    events: opts.events,
    flushMs: opts.flushMs ?? 1000,
    staleSeconds: opts.staleSeconds ?? DEFAULT_STALE_SECONDS,
    stopGraceMs: opts.stopGraceMs ?? 10_000,
  };
}

/**
 * That `threads` per run for `jobs` concurrent runs fits the cores (jobs × threads never exceeds them).
 * @throws Error naming --threads and --jobs when it does not.
 */
export function checkThreads(jobs: number, threads: number | undefined, cores: number): void {
  if (threads === undefined) return;
  const j = Math.max(1, jobs);
  if (!Number.isInteger(threads) || threads < 1)
    throw new Error(`--threads must be a positive integer (got ${threads})`);
  if (j * threads > cores) {
    throw new Error(
      `--threads ${threads} × --jobs ${j} = ${j * threads} threads would oversubscribe the ${cores} cores; lower --threads or --jobs`,
    );
  }
}

/**
 * That `threads` is not given for a backend that computes on one thread whatever it is told: wasm (XNNPACK under
 * Node: engine/wasm/wasmThreads.ts) and cpu. `auto` is judged once it has picked (the progress says so then).
 * @throws Error naming --threads and the backend.
 */
export function checkThreadsBackend(backend: BackendName, threads: number | undefined): void {
  if (threads === undefined || (backend !== "wasm" && backend !== "cpu")) return;
  throw new Error(
    `--threads ${threads}: the ${backend} backend computes on one thread whatever --threads says; it sets ` +
      "TensorFlow's threads on --backend tensorflow / tensorflow-gpu",
  );
}

/**
 * TensorFlow intra-op threads for each of `jobs` concurrent runs, such that jobs × threads never exceeds the cores:
 * `threads` when given, else ⌊cores ÷ jobs⌋ (at least 1).
 * @throws Error naming --threads and --jobs when jobs × threads exceeds the cores (checkThreads).
 */
export function threadsPerRun(jobs: number, threads: number | undefined, cores: number = defaultJobs()): number {
  checkThreads(jobs, threads, cores);
  return threads ?? Math.max(1, Math.floor(cores / Math.max(1, jobs)));
}
