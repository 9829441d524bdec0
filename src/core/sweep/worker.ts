// A sweep worker process: trains one run at a time for the orchestrator that forked it and reports every step
// over IPC. It never touches the store, so a crash here loses at most the current run, which the orchestrator
// then marks failed.
import { type Dataset, loadDataset } from "../data/index.js";
import { type BackendInfo, initBackend } from "../engine/backend.js";
import { wasmOutOfMemoryExplanation } from "../engine/wasmMemory.js";
import type { CheckpointPlan } from "../train/checkpoint.js";
import { trainRun } from "../train/trainRun.js";
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

async function train(id: number, msg: Extract<ToWorker, { type: "run" }>): Promise<void> {
  const cfg = msg.config;
  const started = performance.now();
  let rows: StepRows = [];
  let lastSend = performance.now();
  const flush = () => {
    if (rows.length) send({ type: "steps", id, rows });
    rows = [];
    lastSend = performance.now();
  };
  try {
    const key = dataKey(cfg);
    let dataset = datasets.get(key);
    if (!dataset) {
      dataset = await loadDataset({ ...cfg.data, seed: cfg.seed });
      datasets.set(key, dataset);
    }
    const c = msg.checkpoints;
    const plan: CheckpointPlan | null =
      c && backendInfo
        ? { ...c, final: true, backend: backendInfo.name, nfxVersion: runEnvironment(backendInfo).nfx_version }
        : null;
    const result = await trainRun(
      cfg,
      dataset,
      {
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
          flush();
          send({ type: "checkpoint", id, ...saved });
        },
        step: (step, metrics) => {
          rows.push([step, metrics]);
          if (performance.now() - lastSend >= SEND_EVERY_MS) flush();
        },
        eval: (step, split, top1, loss, n) => {
          flush();
          send({ type: "eval", id, step, split, top1, loss, n });
        },
        shouldStop: () => stopRequested,
      },
      plan,
    );
    flush();
    send({
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
    });
  } catch (err) {
    flush();
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
