// Messages between the sweep orchestrator and its worker processes (Node IPC, structured clone of plain JSON).
// A worker trains; it never opens the store. The orchestrator is the store's only writer.
import type { RunConfig } from "../config/schema.js";
import type { BackendInfo, BackendName } from "../engine/backend/backend.js";
import type { RunEnvironment, RunSummary } from "../store/runStore.js";
import type { CheckpointEvery } from "../train/checkpoint.js";
import type { TrainStatus } from "../train/trainRun.js";

/** Where a run's checkpoints go and which one it continues from (the worker completes the plan: checkpoint.ts). */
export interface RunCheckpoints {
  dir: string;
  every: CheckpointEvery;
  resume: string | null;
  configHash: string;
}

export type ToWorker =
  /** `threads`: TensorFlow intra-op threads on a native backend (see InitBackendOptions). */
  | { type: "init"; backend: BackendName; threads: number }
  | { type: "run"; id: number; config: RunConfig; checkpoints: RunCheckpoints | null }
  /** Stop the current run between two steps; it ends as interrupted. */
  | { type: "stop" };

/** Per-step metrics, batched by the worker: [step, {name: value}] pairs. */
export type StepRows = [number, Record<string, number>][];

export type FromWorker =
  | { type: "ready"; backend: BackendInfo; env: RunEnvironment }
  | { type: "init-failed"; error: string }
  | {
      type: "start";
      id: number;
      stepsTotal: number;
      microBatch: number;
      params: number;
      /** The checkpoint step a resumed run continues from (null: from step 0). */
      resumedFrom: number | null;
    }
  /** A checkpoint file is complete on disk; the steps and evals up to it were sent before this message. */
  | { type: "checkpoint"; id: number; step: number; file: string; sha256: string; bytes: number; final: boolean }
  | { type: "steps"; id: number; rows: StepRows }
  | { type: "eval"; id: number; step: number; split: string; top1: number; loss: number; n: number }
  | {
      type: "end";
      id: number;
      status: TrainStatus | "failed";
      summary: RunSummary | null;
      error: string | null;
      /** Seconds the worker spent inside trainRun. */
      seconds: number;
      /** The worker cannot train again (its wasm module died): it exits, and the orchestrator starts another. */
      fatal?: boolean;
    };
