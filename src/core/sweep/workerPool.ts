// Worker processes for a sweep: forked children that each train one run at a time. A child process (rather than a
// worker thread) isolates tfjs/wasm state, native crashes and out-of-memory kills from the orchestrator.
import { type ChildProcess, fork } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { RunConfig } from "../config/schema.js";
import type { BackendInfo, BackendName } from "../engine/backend/backend.js";
import type { RunEnvironment } from "../store/runStore.js";
import type { FromWorker, RunCheckpoints, ToWorker } from "./protocol.js";

const here = fileURLToPath(import.meta.url);
/** worker.js next to this file once built; worker.ts when running from source under tsx (execArgv carries tsx). */
const WORKER_ENTRY = path.join(path.dirname(here), `worker${path.extname(here)}`);

export interface Worker {
  /** Slot number, stable across a crashed worker's replacement (for progress display). */
  slot: number;
  pid: number;
  /** The run it trains, if any. */
  runId: number | null;
  backend: BackendInfo | null;
  env: RunEnvironment | null;
  /** Whether this worker was asked to stop its run. */
  stopping: boolean;
}

export interface PoolEvents {
  message(worker: Worker, msg: FromWorker): void;
  /** A worker died (crash, kill). `runId` is the run it was training, if any. */
  exit(worker: Worker, runId: number | null, why: string): void;
}

interface Slot {
  worker: Worker;
  child: ChildProcess;
  exited: Promise<void>;
}

export class WorkerPool {
  private readonly slots = new Map<number, Slot>();
  private closing = false;

  /**
   * `threads`: TensorFlow intra-op threads of each worker on a native backend (threadsPerRun).
   * `singleThreadedGc`: run V8's garbage collector on each worker's own thread (when workers fill the cores).
   */
  constructor(
    private readonly backend: BackendName,
    private readonly threads: number,
    private readonly singleThreadedGc: boolean,
    private readonly events: PoolEvents,
  ) {}

  /** Forks a worker into `slot` and resolves once its backend is up (rejects if it cannot start one). */
  spawn(slot: number): Promise<Worker> {
    // A worker's own output (library banners, warnings) goes to stderr: stdout belongs to `--json` results.
    const execArgv = this.singleThreadedGc ? [...process.execArgv, "--single-threaded-gc"] : process.execArgv;
    const child = fork(WORKER_ENTRY, [], { stdio: ["ignore", 2, 2, "ipc"], execArgv });
    const worker: Worker = {
      slot,
      pid: child.pid ?? -1,
      runId: null,
      backend: null,
      env: null,
      stopping: false,
    };
    let settle: { resolve: (w: Worker) => void; reject: (e: Error) => void } | null = null;
    const ready = new Promise<Worker>((resolve, reject) => {
      settle = { resolve, reject };
    });
    const exited = new Promise<void>((resolve) => {
      child.once("exit", (code, signal) => {
        const why = signal ? `worker process killed by ${signal}` : `worker process exited with code ${code}`;
        const runId = worker.runId;
        worker.runId = null;
        if (this.slots.get(slot)?.child === child) this.slots.delete(slot);
        const starting = settle !== null;
        settle?.reject(new Error(`${why} while starting`));
        settle = null;
        if (!starting && (!this.closing || runId !== null)) this.events.exit(worker, runId, why);
        resolve();
      });
    });
    child.on("message", (msg: FromWorker) => {
      if (msg.type === "ready") {
        worker.backend = msg.backend;
        worker.env = msg.env;
        settle?.resolve(worker);
        settle = null;
        return;
      }
      if (msg.type === "init-failed") {
        settle?.reject(new Error(msg.error));
        settle = null;
        return;
      }
      this.events.message(worker, msg);
    });
    // A write to a dying child fails asynchronously; its exit is what we act on.
    child.on("error", () => {});
    this.slots.set(slot, { worker, child, exited });
    this.send(child, { type: "init", backend: this.backend, threads: this.threads });
    return ready;
  }

  private send(child: ChildProcess, msg: ToWorker): void {
    if (child.connected) child.send(msg);
  }

  /** Hands a run to an idle worker, with where its checkpoints go and the one it continues from. */
  assign(worker: Worker, id: number, config: RunConfig, checkpoints: RunCheckpoints | null = null): void {
    const slot = this.slots.get(worker.slot);
    if (!slot) throw new Error(`worker ${worker.slot} is gone`);
    worker.runId = id;
    worker.stopping = false;
    this.send(slot.child, { type: "run", id, config, checkpoints });
  }

  /** Asks a worker to stop its run between two steps (it reports the run as interrupted). */
  stop(worker: Worker): void {
    const slot = this.slots.get(worker.slot);
    if (!slot || worker.runId === null) return;
    worker.stopping = true;
    this.send(slot.child, { type: "stop" });
  }

  /** Kills a worker outright (a stop that was not honoured in time). */
  kill(worker: Worker): void {
    this.slots.get(worker.slot)?.child.kill("SIGKILL");
  }

  workers(): Worker[] {
    return [...this.slots.values()].map((s) => s.worker);
  }

  /** Disconnects every worker (they exit on disconnect) and waits for them; kills any that linger. */
  async close(graceMs = 5000): Promise<void> {
    this.closing = true;
    const slots = [...this.slots.values()];
    for (const s of slots) if (s.child.connected) s.child.disconnect();
    const timer = setTimeout(() => {
      for (const s of slots) s.child.kill("SIGKILL");
    }, graceMs);
    await Promise.all(slots.map((s) => s.exited));
    clearTimeout(timer);
  }
}
