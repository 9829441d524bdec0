// The sweep orchestrator: the single writer of the store. A sweep goes through five steps, in this file's order:
//   1. plan     — re-queue runs whose owner is gone, register every run of the grid by config hash, and sort them
//                 into runs to train here, runs another live process holds, and runs already settled;
//   2. claim    — take queued runs one at a time, atomically, so that two sweeps on one store never train one run;
//                 a run an earlier attempt left behind continues from its last checkpoint (resume.ts);
//   3. dispatch — hand each claimed run to an idle worker process, starting workers while runs wait for one;
//   4. collect  — write what workers report in batched transactions and end each run; while nothing is left to
//                 train but runs another process holds, wait for those, taking over any whose owner dies;
//   5. finish   — close the workers and record how the sweep ended.
// A sweep ends when every run of its grid is settled (done or failed), or when it is stopped: a first interrupt
// lets running runs reach their next step, a second kills the workers at once; either way they are stored
// interrupted, to be re-run by the next sweep.

import fs from "node:fs";
import os from "node:os";
import { ensureCacheDir } from "../base/cacheDir.js";
import { ConfigError } from "../config/configError.js";
import { canonicalJson } from "../config/hash.js";
import { stepFault } from "../config/runnable.js";
import { datasetFacts } from "../data/datasets.js";
import { loadDataset } from "../data/index.js";
import { type BackendInfo, type BackendName, checkBackendInstalled } from "../engine/backend.js";
import { resolveModelSpec } from "../models/index.js";
import { ownerGone, type RunOwner, thisOwner } from "../store/runOwner.js";
import type { OrphanedRun, RunStatus, RunStore, RunSummary } from "../store/runStore.js";
import { checkInitFrom } from "../weights/initFrom.js";
import type { WeightSource } from "../weights/nameMaps.js";
import { dataKey } from "./dataKey.js";
import type { ExpandedRun } from "./expand.js";
import type { FromWorker, RunCheckpoints } from "./protocol.js";
import { claimResuming, onCheckpoint, onRunEnded, type ResumePoint } from "./resume.js";
import { StoreWriter } from "./storeWriter.js";
import type { SweepSpec } from "./sweepSpec.js";
import { type Worker, WorkerPool } from "./workerPool.js";

/** A run of the grid that another live process is training. */
export interface HeldRun {
  id: number;
  hash: string;
  point: ExpandedRun["point"];
  /** The orchestrator that holds it (null for a run left `running` without an owner, e.g. by an old nfx). */
  owner: RunOwner | null;
  /** Seconds since the owner last wrote for it (null if it never did). */
  heartbeatAgeSeconds: number | null;
}

export interface SweepEvents {
  sweepStart?(info: {
    sweepId: number;
    total: number;
    todo: number;
    skipped: number;
    /** Runs another live process is training right now (the sweep waits for them unless told not to). */
    elsewhere: number;
    orphans: OrphanedRun[];
    jobs: number;
  }): void;
  /** The first worker's backend is up. */
  backendReady?(backend: BackendInfo): void;
  runStart?(info: {
    run: ExpandedRun;
    id: number;
    slot: number;
    position: number;
    /** Runs this sweep trains, so far (it grows when a run taken over from a dead owner is queued). */
    todo: number;
    stepsTotal: number;
    /**
     * For a run that continues an earlier attempt: the checkpoint it continues from (its step and file) and the
     * newer recorded checkpoints passed over because they were not whole on disk. Null: it starts at step 0.
     */
    resumed: ResumePoint | null;
  }): void;
  runStep?(info: { id: number; slot: number; step: number; stepsTotal: number; metrics: Record<string, number> }): void;
  runEnd?(info: {
    run: ExpandedRun;
    id: number;
    slot: number;
    status: RunStatus;
    testTop1: number | null;
    finalLoss: number | null;
    seconds: number;
    error: string | null;
  }): void;
  /**
   * Nothing is left to train here but runs other live processes hold: the sweep waits for them. Said when it starts
   * waiting and again whenever the set of held runs or an owner changes.
   */
  waiting?(info: { runs: HeldRun[] }): void;
  /** Runs this sweep waited for whose owner is gone: marked interrupted and queued here. */
  reaped?(orphans: OrphanedRun[]): void;
  /** The sweep is stopping (signal or --fail-fast); running runs are being interrupted. */
  stopping?(why: string): void;
}

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

export interface SweepOutcome {
  sweepId: number;
  runIds: number[];
  ran: number;
  skipped: number;
  /** Runs another live process held when the sweep started. */
  elsewhere: number;
  orphans: number;
  statuses: Record<string, number>;
  /** Runs of the grid that ended neither done nor failed (pending, running or interrupted). */
  unfinished: number;
  /**
   * Runs of the grid stored `failed` at the end, failed now or before (and not retried), with their error. Diverged
   * and collapsed runs are results, not failures.
   */
  failedRuns: { id: number; hash: string; error: string | null }[];
  /** Runs another live process still held at the end (only when the sweep did not wait, or was stopped). */
  heldElsewhere: HeldRun[];
  interrupted: boolean;
  failedFast: boolean;
  jobs: number;
  backend: BackendInfo | null;
  /** Seconds the orchestrator spent writing the store, and seconds workers spent training (for overhead). */
  storeWriteSeconds: number;
  trainSeconds: number;
  wallSeconds: number;
  /** CPU seconds of the orchestrator process itself (user + system), workers not included. */
  orchestratorCpuSeconds: number;
}

export const DEFAULT_STALE_SECONDS = 30;

export function defaultJobs(): number {
  return typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length;
}

/**
 * TensorFlow intra-op threads for each of `jobs` concurrent runs, such that jobs × threads never exceeds the cores:
 * `threads` when given, else ⌊cores ÷ jobs⌋ (at least 1).
 * @throws Error naming --threads and --jobs when jobs × threads exceeds the cores.
 */
export function threadsPerRun(jobs: number, threads: number | undefined, cores: number = defaultJobs()): number {
  const j = Math.max(1, jobs);
  if (threads === undefined) return Math.max(1, Math.floor(cores / j));
  if (!Number.isInteger(threads) || threads < 1)
    throw new Error(`--threads must be a positive integer (got ${threads})`);
  if (j * threads > cores) {
    throw new Error(
      `--threads ${threads} × --jobs ${j} = ${j * threads} threads would oversubscribe the ${cores} cores; lower --threads or --jobs`,
    );
  }
  return threads;
}

/**
 * Checks what needs the data itself, before anything is written: each dataset loads, and its training split
 * (an imagefolder's size is known only now) holds at least one batch. Runs validateRuns first.
 * @throws ConfigError / Error naming the run's keys.
 */
export async function validateRunsDeep(runs: readonly ExpandedRun[]): Promise<void> {
  validateRuns(runs);
  // Training-split sizes of folders (other datasets' sizes are known without reading them: data/datasets.ts).
  const folderSizes = new Map<string, number>();
  const loaded = new Set<string>();
  for (const r of runs) {
    const d = r.config.data;
    const key = dataKey(r.config);
    if (!loaded.has(key)) {
      loaded.add(key);
      const folder = datasetFacts(d.name)?.splits === null;
      // A folder is read whole (dataKey ignores sizes); each run's own train_size is checked against it below.
      const ds = await loadDataset({
        ...d,
        ...(folder ? { train_size: null, test_size: null } : {}),
        seed: r.config.seed,
      });
      if (folder) folderSizes.set(key, ds.train.size);
    }
    const size = folderSizes.get(key);
    if (size === undefined) continue;
    if (d.train_size !== null && d.train_size > size) {
      throw new ConfigError("data.train_size", `${d.train_size} exceeds the ${size} training examples in ${d.path}`);
    }
    const fault = stepFault(r.config, d.train_size ?? size, d.train_size !== null ? "data.train_size" : `${d.path}`);
    if (fault) throw fault;
  }
}

/**
 * The checks that need no data and no training (the dry run makes exactly these; a run makes these and then
 * validateRunsDeep): model names and overrides, and that a dataset's directory exists. Config values and their
 * combinations were checked when the configs were resolved (resolveConfig, checkRunnable).
 * @throws Error naming the model or data key at fault.
 */
export function validateRuns(runs: readonly ExpandedRun[]): void {
  const seen = new Set<string>();
  for (const r of runs) {
    const key = canonicalJson(r.config.model);
    if (seen.has(key)) continue;
    seen.add(key);
    const spec = resolveModelSpec(r.config.model);
    const m = r.config.model as Record<string, unknown>;
    if (typeof m.init_from === "string") {
      try {
        const channels = datasetFacts(r.config.data.name)?.channels ?? null;
        checkInitFrom(spec, m.init_from, (m.init_from_names as WeightSource | undefined) ?? null, channels);
      } catch (e) {
        throw new ConfigError("model.init_from", (e as Error).message);
      }
    }
  }
  for (const r of runs) {
    const p = r.config.data.path;
    if (p !== null && datasetFacts(r.config.data.name)?.readsPath) {
      if (!fs.existsSync(p)) throw new ConfigError("data.path", `no such directory: ${p}`);
    }
  }
}

/** Runs the grid's points that the store does not hold settled; returns once every one is settled or on a stop. */
export async function runSweep(
  store: RunStore,
  spec: SweepSpec,
  file: string | null,
  runs: readonly ExpandedRun[],
  opts: SweepOptions,
): Promise<SweepOutcome> {
  const clock = { wall: performance.now(), cpu: process.cpuUsage() };
  // Before any run is registered: what training needs from this machine, then what it needs from the data.
  threadsPerRun(opts.jobs ?? defaultJobs(), opts.threads);
  checkBackendInstalled(opts.backend);
  ensureCacheDir();
  await validateRunsDeep(runs);
  const plan = planRuns(store, spec, file, runs, opts);
  opts.events?.sweepStart?.({
    sweepId: plan.sweepId,
    total: plan.registered.length,
    todo: plan.queue.length,
    skipped: plan.skipped,
    elsewhere: plan.held.length,
    orphans: plan.orphans,
    jobs: plan.jobs,
  });
  const session = new SweepSession(store, plan, opts);
  const interrupted = await session.run();
  return finishSweep(store, plan, session, interrupted, clock);
}

// ── 1. plan ─────────────────────────────────────────────────────────────────────────────────────────────────────

interface PlannedRun {
  id: number;
  status: RunStatus;
  run: ExpandedRun;
}

interface SweepPlan {
  sweepId: number;
  registered: PlannedRun[];
  /** Runs to claim and train here, in grid order. */
  queue: PlannedRun[];
  /** Runs another process holds (`running`) at the start. */
  held: PlannedRun[];
  /** Runs already settled (done, or failed without retryFailed). */
  skipped: number;
  orphans: OrphanedRun[];
  /** Most worker processes this sweep may start. */
  jobs: number;
}

const CLAIMABLE: ReadonlySet<RunStatus> = new Set<RunStatus>(["pending", "interrupted"]);

function claimable(status: RunStatus, retryFailed: boolean): boolean {
  return CLAIMABLE.has(status) || (status === "failed" && retryFailed);
}

function planRuns(
  store: RunStore,
  spec: SweepSpec,
  file: string | null,
  runs: readonly ExpandedRun[],
  opts: SweepOptions,
): SweepPlan {
  const retryFailed = opts.retryFailed === true;
  const orphans = store.reapOrphans(opts.staleSeconds ?? DEFAULT_STALE_SECONDS);
  const sweepId = store.createSweep(spec.name, file, spec);
  const registered = store.ensureRuns(runs, sweepId).map((r, i) => ({ ...r, run: runs[i] as ExpandedRun }));
  const queue = registered.filter((r) => claimable(r.status, retryFailed));
  const held = registered.filter((r) => r.status === "running");
  // Held runs may come back to this sweep (their owner dies), so they count towards the workers it may need.
  const mayTrain = queue.length + (opts.waitForHeld === false ? 0 : held.length);
  return {
    sweepId,
    registered,
    queue,
    held,
    skipped: registered.length - queue.length - held.length,
    orphans,
    jobs: Math.max(0, Math.min(opts.jobs ?? defaultJobs(), mayTrain)),
  };
}

// ── 2–4. claim, dispatch, collect ───────────────────────────────────────────────────────────────────────────────

/** One sweep's work with its workers: resolves (interrupted or not) once nothing is left to do or it stopped. */
class SweepSession {
  readonly owner = thisOwner();
  readonly writer: StoreWriter;
  backend: BackendInfo | null = null;
  ran = 0;
  trainSeconds = 0;
  failedFast = false;
  /** Runs another process holds that this sweep waits for (or, not waiting, leaves to it). */
  readonly held = new Map<number, PlannedRun>();

  private readonly queue: PlannedRun[];
  private readonly byId: Map<number, PlannedRun>;
  private readonly pool: WorkerPool;
  private readonly idle = new Set<Worker>();
  private readonly ev: SweepEvents | undefined;
  private readonly retryFailed: boolean;
  private readonly waitForHeld: boolean;
  private readonly staleSeconds: number;
  private starting = 0;
  private todo: number;
  private position = 0;
  private readonly stepsTotal = new Map<number, number>();
  private readonly startedAt = new Map<number, number>();
  /** The checkpoint each claimed run continues from (null: step 0). */
  private readonly resumes = new Map<number, ResumePoint | null>();
  /** Why the sweep is stopping (null while it runs), and whether it was told to stop at once. */
  private stopping: string | null = null;
  private stoppedAtOnce = false;
  private stopTimer: NodeJS.Timeout | null = null;
  private checkTimer: NodeJS.Timeout | null = null;
  /** What the last `waiting` event said, so that it is said again only when it changes. */
  private waitingSaid: string | null = null;
  private settled = false;
  private result: { resolve: (interrupted: boolean) => void; reject: (err: unknown) => void } | null = null;

  constructor(
    private readonly store: RunStore,
    private readonly plan: SweepPlan,
    private readonly opts: SweepOptions,
  ) {
    this.queue = [...plan.queue];
    this.byId = new Map(plan.registered.map((r) => [r.id, r]));
    for (const r of plan.held) this.held.set(r.id, r);
    this.todo = plan.queue.length;
    this.ev = opts.events;
    this.retryFailed = opts.retryFailed === true;
    this.waitForHeld = opts.waitForHeld !== false;
    this.staleSeconds = opts.staleSeconds ?? DEFAULT_STALE_SECONDS;
    this.writer = new StoreWriter(store, this.owner, opts.flushMs ?? 1000);
    // With a worker on every core, V8's parallel GC helper threads can only run by preempting another worker:
    // measured on 2 cores, a 4-run sweep with --jobs 2 used 10% more CPU than --jobs 1 with them, none without.
    const singleThreadedGc = plan.jobs >= defaultJobs();
    this.pool = new WorkerPool(opts.backend, threadsPerRun(plan.jobs, opts.threads), singleThreadedGc, {
      message: (w, msg) => this.guard(() => this.onMessage(w, msg)),
      exit: (w, runId, why) => this.guard(() => this.onWorkerExit(w, runId, why)),
    });
  }

  /** Resolves with whether the sweep was interrupted (a stop other than --fail-fast). */
  run(): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      this.result = { resolve, reject };
      if (this.opts.signal?.aborted || this.opts.stopNow?.aborted) {
        this.stopping = "interrupted";
        this.settled = true;
        resolve(true);
        return;
      }
      this.opts.signal?.addEventListener("abort", this.onAbort);
      this.opts.stopNow?.addEventListener("abort", this.onStopNow);
      this.writer.start();
      this.dispatch();
    }).finally(() => this.writer.stop());
  }

  private readonly onAbort = () => this.stop("interrupted");
  private readonly onStopNow = () => this.stopNow();

  /** Runs a pool callback; an exception in it (a store that fails) ends the sweep. */
  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.fail(err);
    }
  }

  /** Claims runs for idle workers, starts workers while runs wait for one, waits for held runs, or ends. */
  private dispatch(): void {
    if (this.settled) return;
    while (this.stopping === null && this.queue.length > 0 && this.idle.size > 0) {
      const claimed = this.claimNext();
      if (!claimed) break;
      const { r, checkpoints } = claimed;
      const w = this.idle.values().next().value as Worker;
      this.idle.delete(w);
      this.startedAt.set(r.id, performance.now());
      this.pool.assign(w, r.id, r.run.config, checkpoints);
    }
    if (this.stopping === null) {
      this.startWorkers();
      if (this.waitForHeld && this.queue.length === 0 && this.held.size > 0) this.scheduleHeldCheck();
    }
    this.maybeFinish();
  }

  /**
   * The next queued run, claimed for this process (continuing from its last checkpoint where it has one); a run
   * another process took first moves to the held ones.
   */
  private claimNext(): { r: PlannedRun; checkpoints: RunCheckpoints } | null {
    for (let r = this.queue.shift(); r; r = this.queue.shift()) {
      const claimed = claimResuming(this.store, { id: r.id, ...r.run }, this.owner, this.retryFailed);
      if (claimed) {
        this.resumes.set(r.id, claimed.resume);
        return { r, checkpoints: claimed.checkpoints };
      }
      // Claimed by another sweep since the plan (it holds it now), or settled meanwhile (nothing to do).
      if (this.store.getRun(r.id)?.status === "running") this.held.set(r.id, r);
    }
    return null;
  }

  /** Starts workers (up to the plan's jobs) while queued runs outnumber the workers on their way. */
  private startWorkers(): void {
    while (this.queue.length > this.starting + this.idle.size && this.pool.workers().length < this.plan.jobs) {
      const used = new Set(this.pool.workers().map((w) => w.slot));
      let slot = 0;
      while (used.has(slot)) slot++;
      this.starting++;
      this.pool.spawn(slot).then(
        (w) => {
          this.starting--;
          this.guard(() => this.onWorkerReady(w));
        },
        (err: unknown) => {
          this.starting--;
          // A worker killed or disconnected while starting because the sweep stops is no failure.
          if (this.stopping !== null || this.settled) this.guard(() => this.dispatch());
          else this.fail(err);
        },
      );
    }
  }

  private onWorkerReady(w: Worker): void {
    if (this.backend === null && w.backend) {
      this.backend = w.backend;
      this.ev?.backendReady?.(w.backend);
    }
    if (this.settled) return;
    this.idle.add(w);
    this.dispatch();
  }

  private onMessage(w: Worker, msg: FromWorker): void {
    switch (msg.type) {
      case "start": {
        if (w.env) this.store.recordStart(msg.id, w.env, msg.stepsTotal, w.pid);
        this.stepsTotal.set(msg.id, msg.stepsTotal);
        const r = this.byId.get(msg.id);
        if (r) {
          this.ev?.runStart?.({
            run: r.run,
            id: msg.id,
            slot: w.slot,
            position: this.position++,
            todo: this.todo,
            stepsTotal: msg.stepsTotal,
            resumed: this.resumes.get(msg.id) ?? null,
          });
        }
        break;
      }
      case "steps": {
        this.writer.addSteps(msg.id, msg.rows);
        const last = msg.rows[msg.rows.length - 1];
        if (last) {
          this.ev?.runStep?.({
            id: msg.id,
            slot: w.slot,
            step: last[0],
            stepsTotal: this.stepsTotal.get(msg.id) ?? 0,
            metrics: last[1],
          });
        }
        break;
      }
      case "eval":
        this.writer.addEval({
          runId: msg.id,
          step: msg.step,
          split: msg.split,
          top1: msg.top1,
          loss: msg.loss,
          n: msg.n,
        });
        break;
      case "checkpoint": {
        const r = this.byId.get(msg.id);
        if (r) onCheckpoint(this.store, this.writer, this.owner, msg, r.run.config);
        break;
      }
      case "end":
        w.runId = null;
        this.trainSeconds += msg.seconds;
        this.endRun(w, msg.id, msg.status, msg.summary, msg.error);
        // A fatal end: the worker exits by itself, and a replacement starts if runs are still queued.
        if (!msg.fatal) this.idle.add(w);
        this.dispatch();
        break;
      default:
        break;
    }
  }

  private onWorkerExit(w: Worker, runId: number | null, why: string): void {
    this.idle.delete(w);
    if (runId !== null) {
      // A stop that had to be enforced is an interruption; anything else is the run's crash.
      const error = this.stoppedAtOnce ? "stopped at once (second interrupt)" : "stopped";
      this.endRun(w, runId, w.stopping ? "interrupted" : "failed", null, w.stopping ? error : why);
    }
    this.dispatch();
  }

  /** Stores how a run of this sweep ended (after what its worker reported before). */
  private endRun(w: Worker, id: number, status: RunStatus, summary: RunSummary | null, error: string | null): void {
    this.writer.flush();
    if (this.store.finishOwnedRun(id, this.owner, status, summary, error)) onRunEnded(this.store, id, status);
    this.ran++;
    const r = this.byId.get(id);
    if (r) {
      this.ev?.runEnd?.({
        run: r.run,
        id,
        slot: w.slot,
        status,
        testTop1: summary?.test_top1 ?? null,
        finalLoss: summary?.final_loss ?? null,
        seconds: (performance.now() - (this.startedAt.get(id) ?? performance.now())) / 1000,
        error,
      });
    }
    if (status === "failed" && this.opts.failFast && this.stopping === null) {
      this.failedFast = true;
      this.stop(`--fail-fast: run ${id} failed`);
    }
  }

  // ── waiting for runs another process holds ──

  private scheduleHeldCheck(): void {
    if (this.checkTimer) return;
    // The first look is at once (to say what the sweep waits for), then every pollMs.
    const ms = this.waitingSaid === null ? 0 : (this.opts.pollMs ?? 1000);
    this.checkTimer = setTimeout(() => {
      this.checkTimer = null;
      this.guard(() => this.checkHeld());
    }, ms);
  }

  /**
   * Looks at the held runs again: those whose owner is gone are reaped (marked interrupted) and, like any that
   * became claimable, queued here; settled ones are dropped; the rest are what the sweep waits for.
   */
  private checkHeld(): void {
    if (this.settled || this.stopping !== null) return;
    const look = () => [...this.held.values()].map((r) => ({ r, stored: this.store.getRun(r.id) }));
    let runs = look();
    const now = Date.now();
    const gone = runs.some(
      (x) => x.stored?.status === "running" && ownerGone(x.stored.owner, x.stored.heartbeat_at, this.staleSeconds, now),
    );
    if (gone) {
      const reaped = this.store.reapOrphans(this.staleSeconds);
      const ours = reaped.filter((o) => this.held.has(o.id));
      if (ours.length) this.ev?.reaped?.(ours);
      runs = look();
    }
    for (const { r, stored } of runs) {
      if (stored?.status === "running") continue;
      this.held.delete(r.id);
      if (stored && claimable(stored.status, this.retryFailed)) {
        this.queue.push(r);
        this.todo++;
      }
    }
    const waitingFor = this.heldRuns();
    const said = JSON.stringify(waitingFor.map((h) => [h.id, h.owner]));
    if (waitingFor.length && said !== this.waitingSaid) this.ev?.waiting?.({ runs: waitingFor });
    this.waitingSaid = said;
    this.dispatch();
  }

  /** The held runs as the store has them now (those still running). */
  heldRuns(): HeldRun[] {
    const now = Date.now();
    const out: HeldRun[] = [];
    for (const r of this.held.values()) {
      const stored = this.store.getRun(r.id);
      if (stored?.status !== "running") continue;
      out.push({
        id: r.id,
        hash: r.run.hash,
        point: r.run.point,
        owner: stored.owner,
        heartbeatAgeSeconds: stored.heartbeat_at ? Math.max(0, (now - Date.parse(stored.heartbeat_at)) / 1000) : null,
      });
    }
    return out;
  }

  // ── stopping and ending ──

  /** Stops between steps: running runs reach their next step and are stored interrupted; nothing new starts. */
  private stop(why: string): void {
    if (this.stopping !== null) return;
    this.stopping = why;
    this.ev?.stopping?.(why);
    for (const w of this.pool.workers()) this.pool.stop(w);
    this.stopTimer = setTimeout(() => {
      for (const w of this.pool.workers()) if (w.runId !== null) this.pool.kill(w);
    }, this.opts.stopGraceMs ?? 10_000);
    this.dispatch();
  }

  /** Stops at once: every worker is killed; the runs they trained are stored interrupted. */
  private stopNow(): void {
    if (this.stoppedAtOnce) return;
    this.stoppedAtOnce = true;
    this.stopping = this.stopping ?? "interrupted";
    this.ev?.stopping?.("second interrupt: stopping at once");
    for (const w of this.pool.workers()) {
      if (w.runId !== null) w.stopping = true;
      this.pool.kill(w);
    }
    this.dispatch();
  }

  /** Ends the session once no run is in flight and nothing is left to do (or the sweep stops). */
  private maybeFinish(): void {
    if (this.settled) return;
    if (this.pool.workers().some((w) => w.runId !== null)) return;
    const work = this.queue.length > 0 || (this.waitForHeld && this.held.size > 0);
    if (this.stopping === null && work) return;
    this.settled = true;
    this.cleanup();
    const interrupted = this.stopping !== null && !this.failedFast;
    this.pool.close().then(
      () => this.result?.resolve(interrupted),
      (err: unknown) => this.result?.reject(err),
    );
  }

  private fail(err: unknown): void {
    if (this.settled) return;
    this.settled = true;
    // Runs already handed out end as interrupted (re-run next time), not as failures of their own.
    this.stopping = this.stopping ?? "error";
    for (const w of this.pool.workers()) w.stopping = true;
    this.cleanup();
    this.pool.close().finally(() => this.result?.reject(err));
  }

  private cleanup(): void {
    if (this.stopTimer) clearTimeout(this.stopTimer);
    if (this.checkTimer) clearTimeout(this.checkTimer);
    this.opts.signal?.removeEventListener("abort", this.onAbort);
    this.opts.stopNow?.removeEventListener("abort", this.onStopNow);
  }
}

// ── 5. finish ───────────────────────────────────────────────────────────────────────────────────────────────────

/** Settled statuses: a run in any other one is a point of the grid still to do. */
const SETTLED: ReadonlySet<RunStatus> = new Set<RunStatus>(["completed", "diverged", "collapsed", "failed"]);

function finishSweep(
  store: RunStore,
  plan: SweepPlan,
  session: SweepSession,
  interrupted: boolean,
  clock: { wall: number; cpu: NodeJS.CpuUsage },
): SweepOutcome {
  const ids = plan.registered.map((r) => r.id);
  const statuses: Record<string, number> = {};
  let unfinished = 0;
  const failedRuns: SweepOutcome["failedRuns"] = [];
  for (const id of ids) {
    const run = store.getRun(id);
    const s = run?.status ?? "pending";
    statuses[s] = (statuses[s] ?? 0) + 1;
    if (!SETTLED.has(s)) unfinished++;
    if (run && s === "failed") failedRuns.push({ id, hash: run.config_hash, error: run.error ?? null });
  }
  const cpu = process.cpuUsage(clock.cpu);
  const result: SweepOutcome = {
    sweepId: plan.sweepId,
    runIds: ids,
    ran: session.ran,
    skipped: plan.skipped,
    elsewhere: plan.held.length,
    orphans: plan.orphans.length,
    statuses,
    unfinished,
    failedRuns,
    heldElsewhere: session.heldRuns(),
    interrupted,
    failedFast: session.failedFast,
    jobs: plan.jobs,
    backend: session.backend,
    storeWriteSeconds: session.writer.writeSeconds,
    trainSeconds: session.trainSeconds,
    wallSeconds: (performance.now() - clock.wall) / 1000,
    orchestratorCpuSeconds: (cpu.user + cpu.system) / 1e6,
  };
  store.finishSweep(plan.sweepId, { ...result, runIds: undefined });
  return result;
}
