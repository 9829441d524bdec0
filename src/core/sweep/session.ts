// Steps 2–4 of a sweep, with its workers:
//   2. claim    — take queued runs one at a time, atomically, so that two sweeps on one store never train one run;
//                 a run an earlier attempt left behind continues from its last checkpoint (resume.ts);
//   3. dispatch — hand each claimed run to an idle worker process, starting workers while runs wait for one;
//   4. collect  — write what workers report in batched transactions and end each run; while nothing is left to
//                 train but runs another process holds, wait for those (heldRuns.ts).
// The session ends once no run is in flight and nothing is left to do, or once it is stopped (stop.ts).

import type { BackendInfo } from "../engine/backend/backend.js";
import { thisOwner } from "../store/runOwner.js";
import type { RunStatus, RunStore, RunSummary } from "../store/runStore.js";
import type { HeldRun, SweepEvents } from "./events.js";
import { HeldRuns } from "./heldRuns.js";
import { type ResolvedSweepOptions, threadsPerRun } from "./options.js";
import type { PlannedRun, SweepPlan } from "./plan.js";
import type { FromWorker, RunCheckpoints } from "./protocol.js";
import { claimResuming, onCheckpoint, onRunEnded, type ResumePoint } from "./resume.js";
import { SweepStop } from "./stop.js";
import { StoreWriter } from "./storeWriter.js";
import { type Worker, WorkerPool } from "./workerPool.js";

/** One sweep's work with its workers: resolves (interrupted or not) once nothing is left to do or it stopped. */
export class SweepSession {
  readonly owner = thisOwner();
  readonly writer: StoreWriter;
  backend: BackendInfo | null = null;
  ran = 0;
  trainSeconds = 0;
  failedFast = false;

  private readonly queue: PlannedRun[];
  private readonly byId: Map<number, PlannedRun>;
  private readonly held: HeldRuns;
  private readonly pool: WorkerPool;
  private readonly stop: SweepStop;
  private readonly idle = new Set<Worker>();
  private readonly ev: SweepEvents | undefined;
  private starting = 0;
  private todo: number;
  private position = 0;
  private readonly stepsTotal = new Map<number, number>();
  private readonly startedAt = new Map<number, number>();
  /** The checkpoint each claimed run continues from (null: step 0). */
  private readonly resumes = new Map<number, ResumePoint | null>();
  private settled = false;
  private result: { resolve: (interrupted: boolean) => void; reject: (err: unknown) => void } | null = null;

  constructor(
    private readonly store: RunStore,
    private readonly plan: SweepPlan,
    private readonly opts: ResolvedSweepOptions,
  ) {
    this.queue = [...plan.queue];
    this.byId = new Map(plan.registered.map((r) => [r.id, r]));
    this.held = new HeldRuns(store, opts, plan.held);
    this.todo = plan.queue.length;
    this.ev = opts.events;
    this.writer = new StoreWriter(store, this.owner, opts.flushMs);
    // With a worker on every core, V8's parallel GC helper threads can only run by preempting another worker:
    // measured on 2 cores, a 4-run sweep with --jobs 2 used 10% more CPU than --jobs 1 with them, none without.
    const singleThreadedGc = plan.jobs >= opts.cores;
    const threads = threadsPerRun(plan.jobs, opts.threads, opts.cores);
    this.pool = new WorkerPool(opts.backend, threads, singleThreadedGc, {
      message: (w, msg) => this.guard(() => this.onMessage(w, msg)),
      exit: (w, runId, why) => this.guard(() => this.onWorkerExit(w, runId, why)),
    });
    this.stop = new SweepStop(this.pool, this.ev, opts.stopGraceMs);
  }

  /** Resolves with whether the sweep was interrupted (a stop other than --fail-fast). */
  run(): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      this.result = { resolve, reject };
      if (this.opts.signal?.aborted || this.opts.stopNow?.aborted) {
        this.stop.mark("interrupted");
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

  /** The held runs as the store has them now (those another process still trains). */
  heldRuns(): HeldRun[] {
    return this.held.list();
  }

  private readonly onAbort = () => this.stopBetweenSteps("interrupted");
  private readonly onStopNow = () => {
    if (this.stop.now()) this.dispatch();
  };

  private stopBetweenSteps(why: string): void {
    if (this.stop.betweenSteps(why)) this.dispatch();
  }

  /** Runs a pool callback; an exception in it (a store that fails) ends the sweep. */
  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.fail(err);
    }
  }

  // ── 2–3. claim and dispatch ──

  /** Claims runs for idle workers, starts workers while runs wait for one, waits for held runs, or ends. */
  private dispatch(): void {
    if (this.settled) return;
    while (this.stop.why === null && this.queue.length > 0 && this.idle.size > 0) {
      const claimed = this.claimNext();
      if (!claimed) break;
      const { r, checkpoints } = claimed;
      const w = this.idle.values().next().value as Worker;
      this.idle.delete(w);
      this.startedAt.set(r.id, performance.now());
      this.pool.assign(w, r.id, r.run.config, checkpoints);
    }
    if (this.stop.why === null) {
      this.startWorkers();
      if (this.opts.waitForHeld && this.queue.length === 0 && this.held.size > 0) {
        this.held.schedule(() => this.guard(() => this.checkHeld()));
      }
    }
    this.maybeFinish();
  }

  /**
   * The next queued run, claimed for this process (continuing from its last checkpoint where it has one); a run
   * another process took first moves to the held ones.
   */
  private claimNext(): { r: PlannedRun; checkpoints: RunCheckpoints } | null {
    for (let r = this.queue.shift(); r; r = this.queue.shift()) {
      const claimed = claimResuming(this.store, { id: r.id, ...r.run }, this.owner, this.opts.retryFailed);
      if (claimed) {
        this.resumes.set(r.id, claimed.resume);
        return { r, checkpoints: claimed.checkpoints };
      }
      // Claimed by another sweep since the plan (it holds it now), or settled meanwhile (nothing to do).
      if (this.store.getRun(r.id)?.status === "running") this.held.add(r);
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
          if (this.stop.why !== null || this.settled) this.guard(() => this.dispatch());
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

  // ── 4. collect ──

  private onMessage(w: Worker, msg: FromWorker): void {
    switch (msg.type) {
      case "start":
        this.onRunStarted(w, msg);
        break;
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

  private onRunStarted(w: Worker, msg: Extract<FromWorker, { type: "start" }>): void {
    if (w.env) this.store.recordStart(msg.id, w.env, msg.stepsTotal, w.pid);
    this.stepsTotal.set(msg.id, msg.stepsTotal);
    const r = this.byId.get(msg.id);
    if (!r) return;
    this.ev?.runStart?.({
      run: r.run,
      id: msg.id,
      slot: w.slot,
      position: this.position++,
      todo: this.todo,
      stepsTotal: msg.stepsTotal,
      resumed: this.resumes.get(msg.id) ?? null,
      backend: w.env?.backend ?? null,
    });
  }

  private onWorkerExit(w: Worker, runId: number | null, why: string): void {
    this.idle.delete(w);
    if (runId !== null) {
      // A stop that had to be enforced is an interruption; anything else is the run's crash.
      const error = this.stop.atOnce ? "stopped at once (second interrupt)" : "stopped";
      this.endRun(w, runId, w.stopping ? "interrupted" : "failed", null, w.stopping ? error : why);
    }
    this.dispatch();
  }

  /** Stores how a run of this sweep ended (after what its worker reported before). */
  private endRun(w: Worker, id: number, status: RunStatus, given: RunSummary | null, error: string | null): void {
    this.writer.flush();
    // A run continued from another backend's checkpoint says so in its record (not bit for bit: resume.ts).
    const wrote = this.resumes.get(id)?.backend ?? null;
    const summary =
      given && wrote !== null && w.env && wrote !== w.env.backend ? { ...given, resumed_from_backend: wrote } : given;
    if (this.store.finishOwnedRun(id, this.owner, status, summary, error)) onRunEnded(this.store, id, status);
    this.ran++;
    const r = this.byId.get(id);
    if (r) {
      const seconds = (performance.now() - (this.startedAt.get(id) ?? performance.now())) / 1000;
      const stored = this.store.getRun(id);
      this.ev?.runEnd?.({
        run: r.run,
        id,
        slot: w.slot,
        status,
        testTop1: summary?.test_top1 ?? null,
        finalLoss: summary?.final_loss ?? null,
        seconds,
        totalSeconds: stored?.duration_s ?? seconds,
        stepsTrained: Math.max(0, (stored?.steps_done ?? 0) - (this.resumes.get(id)?.step ?? 0)),
        error,
      });
    }
    if (status === "failed" && this.opts.failFast && this.stop.why === null) {
      this.failedFast = true;
      this.stopBetweenSteps(`--fail-fast: run ${id} failed`);
    }
  }

  /** Looks at the held runs again (heldRuns.ts); those that came back to this sweep are queued here. */
  private checkHeld(): void {
    if (this.settled || this.stop.why !== null) return;
    for (const r of this.held.check()) {
      this.queue.push(r);
      this.todo++;
    }
    this.dispatch();
  }

  // ── the end ──

  /** Ends the session once no run is in flight and nothing is left to do (or the sweep stops). */
  private maybeFinish(): void {
    if (this.settled) return;
    if (this.pool.workers().some((w) => w.runId !== null)) return;
    const work = this.queue.length > 0 || (this.opts.waitForHeld && this.held.size > 0);
    if (this.stop.why === null && work) return;
    this.settled = true;
    this.cleanup();
    const interrupted = this.stop.why !== null && !this.failedFast;
    this.pool.close().then(
      () => this.result?.resolve(interrupted),
      (err: unknown) => this.result?.reject(err),
    );
  }

  private fail(err: unknown): void {
    if (this.settled) return;
    this.settled = true;
    // Runs already handed out end as interrupted (re-run next time), not as failures of their own.
    this.stop.mark("error");
    for (const w of this.pool.workers()) w.stopping = true;
    this.cleanup();
    this.pool.close().finally(() => this.result?.reject(err));
  }

  private cleanup(): void {
    this.stop.cancel();
    this.held.cancel();
    this.opts.signal?.removeEventListener("abort", this.onAbort);
    this.opts.stopNow?.removeEventListener("abort", this.onStopNow);
  }
}
