// A sweep worker process: trains one run at a time for the orchestrator that forked it and reports every step
// over IPC. It never touches the store, so a crash here loses at most the current run, which the orchestrator
// then marks failed.

import type { RunConfig } from "../config/schema.js";
import { type Dataset, loadDataset } from "../data/index.js";
import { type BackendInfo, initBackend } from "../engine/backend/backend.js";
import { wasmOutOfMemoryExplanation } from "../engine/wasm/wasmMemory.js";
import type { CheckpointPlan } from "../train/checkpoint.js";
import { type RunReporter, type TrainResult, trainRun } from "../train/trainRun.js";
import { dataKey } from "./dataKey.js";
import { runEnvironment } from "./environment.js";
import type { FromWorker, StepRows, ToWorker } from "./protocol.js";

/** Steps are sent in batches at most this often, so that IPC costs nothing next to a training step. */
const SEND_EVERY_MS = 200;

/**
 * Sends a message to the orchestrator. Once the orchestrator is gone (killed, or it stopped at once) a send fails
 * with EPIPE or a closed channel: nobody would read it, so the worker exits quietly, without a stack trace.
 */
function send(msg: FromWorker, sent?: () => void): void {
  if (!process.connected) return;
  process.send?.(msg, undefined, undefined, (err: Error | null) => {
    if (err) process.exit(0);
    sent?.();
  });
}

const datasets = new Map<string, Dataset>();
let stopRequested = false;
let busy = false;
let backendInfo: BackendInfo | null = null;

/**
 * Trains one run: 1. its dataset (loaded once per worker for each data key), 2. its checkpoint plan, 3. the
 * training, reported step by step, 4. the end message with its summary — or, if anything threw, a failed end.
 */
async function train(id: number, msg: Extract<ToWorker, { type: "run" }>): Promise<void> {
  const started = performance.now();
  const steps = new StepBatches(id);
  try {
    const dataset = await datasetFor(msg.config);
    const result = await trainRun(msg.config, dataset, reporter(id, steps), checkpointPlan(msg));
    steps.flush();
    send(endMessage(id, result, started));
  } catch (err) {
    steps.flush();
    sendFailedEnd(id, err, started);
  }
}

/** The run's dataset, loaded once per worker for each data key (runs of a sweep mostly share one). */
async function datasetFor(cfg: RunConfig): Promise<Dataset> {
  const key = dataKey(cfg);
  let dataset = datasets.get(key);
  if (!dataset) {
    dataset = await loadDataset({ ...cfg.data, seed: cfg.seed });
    datasets.set(key, dataset);
  }
  return dataset;
}

/** Where and how often the run saves checkpoints (none without the orchestrator's checkpoint settings). */
function checkpointPlan(msg: Extract<ToWorker, { type: "run" }>): CheckpointPlan | null {
  const c = msg.checkpoints;
  return c && backendInfo
    ? { ...c, final: true, backend: backendInfo.name, nfxVersion: runEnvironment(backendInfo).nfx_version }
    : null;
}

/** A run's steps, sent in batches at most every SEND_EVERY_MS. */
class StepBatches {
  private rows: StepRows = [];
  private lastSend = performance.now();

  constructor(private readonly id: number) {}

  add(step: number, metrics: Record<string, number>): void {
    this.rows.push([step, metrics]);
    if (performance.now() - this.lastSend >= SEND_EVERY_MS) this.flush();
  }

  flush(): void {
    if (this.rows.length) send({ type: "steps", id: this.id, rows: this.rows });
    this.rows = [];
    this.lastSend = performance.now();
  }
}

/** What training reports, as messages to the orchestrator. */
function reporter(id: number, steps: StepBatches): RunReporter {
  return {
    start: (info) =>
      send({
        type: "start",
        id,
        stepsTotal: info.stepsTotal,
        microBatch: info.microBatch.micro,
        params: info.params,
        resumedFrom: info.resumedFrom,
      }),
    checkpoint: (saved) => {
      // Its steps and evals go first: the orchestrator records a checkpoint once what precedes it is stored.
      steps.flush();
      send({ type: "checkpoint", id, ...saved });
    },
    step: (step, metrics) => steps.add(step, metrics),
    eval: (step, split, top1, loss, n) => {
      steps.flush();
      send({ type: "eval", id, step, split, top1, loss, n });
    },
    shouldStop: () => stopRequested,
  };
}

/** The end of a run that trained: its status and the summary the store keeps. */
function endMessage(id: number, result: TrainResult, started: number): FromWorker {
  return {
    type: "end",
    id,
    status: result.status,
    summary: {
      test_top1: result.testTop1,
      final_loss: result.finalLoss,
      steps: result.steps,
      ...(result.collapsedStep !== null ? { collapsed_step: result.collapsedStep } : {}),
      images_per_s: result.imagesPerS,
      micro_batch: result.microBatch.micro,
      micro_batch_source: result.microBatch.source,
      ghost_batch_norm: result.microBatch.ghostBatchNorm,
      ...(result.initFrom
        ? {
            init_from: {
              sha256: result.initFrom.sha256,
              names: result.initFrom.source,
              ...(result.initFrom.note ? { note: result.initFrom.note } : {}),
            },
          }
        : {}),
      ...(result.resumedFrom !== null ? { resumed_from_step: result.resumedFrom } : {}),
    },
    error: result.reason && result.status !== "completed" ? result.reason : null,
    seconds: (performance.now() - started) / 1000,
  };
}

/** The end of a run that threw. */
function sendFailedEnd(id: number, err: unknown, started: number): void {
  const aborted = wasmOutOfMemoryExplanation(err);
  // A dead wasm module cannot train again: the worker exits once this message is out, for a fresh one.
  send(
    {
      type: "end",
      id,
      status: "failed",
      summary: null,
      error: aborted ?? (err instanceof Error ? err.message : String(err)),
      seconds: (performance.now() - started) / 1000,
      fatal: aborted !== null,
    },
    aborted ? () => process.exit(1) : undefined,
  );
}

// Ctrl-C reaches the whole process group: the orchestrator decides what stops, and tells us.
process.on("SIGINT", () => {});
process.on("SIGTERM", () => {});
// The orchestrator is gone (even kill -9): nobody would store what we compute.
process.on("disconnect", () => process.exit(0));
// A send that fails without a callback (none here) would surface as an 'error' event: the orchestrator is gone.
process.on("error", () => process.exit(0));

process.on("message", (raw: ToWorker) => {
  if (raw.type === "init") {
    initBackend(raw.backend, { threads: raw.threads })
      .then((backend) => {
        backendInfo = backend;
        send({ type: "ready", backend, env: runEnvironment(backend) });
      })
      .catch((err: unknown) => send({ type: "init-failed", error: err instanceof Error ? err.message : String(err) }));
  } else if (raw.type === "stop") {
    stopRequested = true;
  } else if (raw.type === "run") {
    if (busy) throw new Error("worker got a run while busy");
    busy = true;
    stopRequested = false;
    train(raw.id, raw).finally(() => {
      busy = false;
    });
  }
});
