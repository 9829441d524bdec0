// A run's checkpoint: its whole training state at the end of an optimizer step, in one safetensors file
// (weights/safetensors.ts) whose `__metadata__` holds a small JSON record (`nfx.checkpoint`: step, data position, config
// hash, nfx version, backend, micro-batch, …). One file, written atomically, so that a kill mid-write leaves the
// previous checkpoint whole.
//
// What the state is, and why nothing else is needed for an exact resume:
//   - tensors: every parameter (`param/<name>`), non-trainable model state such as BatchNorm running averages
//     (`state/<name>`), the optimizer's state (`<slot>/<name>`: SGD's and LARS's momentum buffers `momentum/`,
//     Adam's and AdamW's moments `adam_m/` and `adam_v/`; optim/), the EMA averages (`ema/<name>`), and every
//     step's training loss so far (`progress/losses`, float32 as measured: the collapse rule of outcome.ts reads
//     them all at the end);
//   - the step. The learning rate is a pure function of it (schedule.ts), as is Adam's bias correction
//     (optim/adam.ts); so is the data position (epoch =
//     ⌊step / steps per epoch⌋, batch index = step mod steps per epoch, since every epoch yields the same number
//     of full batches), and a batch's order and augmentation are a pure function of (seed, epoch)
//     (data/batches.ts). Dropout / stochastic-depth masks are keyed by (seed, step, example) (step.ts), MixUp /
//     CutMix by (seed, step) (mix.ts), SAM's subset is the batch's first examples: there is no RNG state to save;
//   - the micro-batch, so that a resumed run sums its gradients in the same order (an `auto` choice could be
//     calibrated differently the second time).
import path from "node:path";
import { parseStepsOrDuration, type StepsOrDuration } from "../config/duration.js";
import type { RunConfig } from "../config/schema.js";
import { tf } from "../engine/tf.js";
import type { Model } from "../models/types.js";
import {
  readSafetensorsFile as readSafetensors,
  type SafetensorsTensor,
  writeSafetensorsFile as writeSafetensors,
} from "../weights/safetensors.js";
import { CHECKPOINT_RECORD_KEY } from "../weights/weightsFile.js";
import type { Trainer } from "./step.js";

/** How often a run saves its state: every N optimizer steps, every N ms of training, or never. */
export type CheckpointEvery = StepsOrDuration;

/** File name of the checkpoint after `step` optimizer steps: step-000100.safetensors (sorts by step). */
export function checkpointFileName(step: number): string {
  return `step-${String(step).padStart(6, "0")}.safetensors`;
}

/** File name of a finished run's final state. */
export const FINAL_CHECKPOINT = "final.safetensors";

/** Everything a checkpoint records beside its tensors (the `nfx.checkpoint` metadata, JSON). */
export interface CheckpointRecord {
  /** Format of this record; bumped when what a checkpoint holds changes. */
  format: 1;
  /** Optimizer steps made: the run continues with step `step` (0-based). */
  step: number;
  /** The data position of the next step: its epoch and the index of its batch within the epoch. */
  epoch: number;
  batchIndex: number;
  configHash: string;
  nfxVersion: string;
  /** The backend that trained it (a resume on another backend continues, but is not bit-for-bit). */
  backend: string;
  /** The micro-batch of the gradient accumulation. */
  micro: number;
  /** Training loss of the last step (null when it was not finite). */
  lastLoss: number | null;
  imagesSeen: number;
  /** Milliseconds spent in training steps so far (for images/s, and a time-based `checkpoint_every`). */
  trainMs: number;
  /** Whether this is the final state of a finished run (not one to continue from). */
  final: boolean;
}

/** The `__metadata__` key of a checkpoint's record (JSON of CheckpointRecord). */
const RECORD_KEY = CHECKPOINT_RECORD_KEY;

/** What a run passes to save or restore: its model and trainer (optimizer slots, EMA). */
export interface TrainingState {
  model: Model;
  trainer: Trainer;
}

function namedVariables({ model, trainer }: TrainingState): [string, tf.Variable][] {
  const out: [string, tf.Variable][] = [];
  model.params.forEach((p, i) => {
    out.push([`param/${p.name}`, p.variable]);
    for (const slot of trainer.optimizerSlots) out.push([`${slot.prefix}/${p.name}`, slot.vars[i] as tf.Variable]);
  });
  for (const s of model.state) out.push([`state/${s.name}`, s.variable]);
  const ema = trainer.ema?.averages;
  // The averages of the weights, then of the state (train/ema.ts), under the names they average.
  if (ema) [...model.params, ...model.state].forEach((p, i) => void out.push([`ema/${p.name}`, ema[i] as tf.Variable]));
  return out;
}

/**
 * Saves the training state and `record` to `file` atomically (see writeSafetensors). `losses`: every step's
 * training loss so far, in step order.
 * @returns the file's SHA-256 and size in bytes.
 */
export function saveCheckpoint(
  file: string,
  state: TrainingState,
  record: CheckpointRecord,
  losses: readonly number[],
): { sha256: string; bytes: number } {
  const tensors = new Map<string, SafetensorsTensor>();
  for (const [name, v] of namedVariables(state)) {
    tensors.set(name, { dtype: "F32", shape: [...v.shape], data: v.dataSync() as Float32Array });
  }
  tensors.set("progress/losses", { dtype: "F32", shape: [losses.length], data: Float32Array.from(losses) });
  return writeSafetensors(file, tensors, { [RECORD_KEY]: JSON.stringify(record), format: "pt" });
}

/** A checkpoint read from disk, not yet applied to a model. */
export interface LoadedCheckpoint {
  file: string;
  record: CheckpointRecord;
  tensors: Map<string, SafetensorsTensor>;
  /** Every step's loss up to the checkpoint, as saved (float32 values). */
  losses: number[];
}

/**
 * Reads a checkpoint file.
 * @throws Error naming the file when it is unreadable or truncated (readSafetensors) or holds no nfx checkpoint
 * record.
 */
export function readCheckpoint(file: string): LoadedCheckpoint {
  const { tensors, metadata } = readSafetensors(file);
  const raw = metadata[RECORD_KEY];
  let record: CheckpointRecord | null = null;
  try {
    record = raw ? (JSON.parse(raw) as CheckpointRecord) : null;
  } catch {
    record = null;
  }
  if (record?.format !== 1 || !Number.isInteger(record.step)) {
    throw new Error(`${file}: not an nfx checkpoint (no readable ${RECORD_KEY} record)`);
  }
  const losses = tensors.get("progress/losses");
  if (!losses || losses.data.length !== record.step) {
    throw new Error(`${file}: the checkpoint of step ${record.step} does not hold that many losses`);
  }
  return { file, record, tensors, losses: Array.from(losses.data) };
}

/**
 * Puts a checkpoint's tensors into a freshly built model and trainer of the same config, then drops them from
 * `ckpt` (to free the memory).
 * @throws Error naming the first tensor that is missing or of another shape (a checkpoint of another model), or a
 * checkpoint of another config (`configHash`).
 */
export function restoreCheckpoint(ckpt: LoadedCheckpoint, state: TrainingState, configHash: string): void {
  if (ckpt.record.configHash !== configHash) {
    throw new Error(`${ckpt.file}: a checkpoint of run ${ckpt.record.configHash}, not of ${configHash}`);
  }
  const vars = namedVariables(state);
  for (const [name, v] of vars) {
    const t = ckpt.tensors.get(name);
    const want = `[${v.shape.join(", ")}]`;
    if (!t) throw new Error(`${ckpt.file}: no tensor ${name} (expected shape ${want})`);
    if (t.shape.join(",") !== v.shape.join(",")) {
      throw new Error(`${ckpt.file}: tensor ${name} has shape [${t.shape.join(", ")}], expected ${want}`);
    }
  }
  tf.tidy(() => {
    for (const [name, v] of vars) {
      const t = ckpt.tensors.get(name) as SafetensorsTensor;
      v.assign(tf.tensor(t.data, v.shape, "float32"));
    }
  });
  // The model holds the values now: the file's copy is released (it can be as large as the model three times).
  ckpt.tensors.clear();
}

/** What a run's checkpointing is told by whoever runs it (the sweep's worker). */
export interface CheckpointPlan {
  /** Directory of this run's checkpoint files. */
  dir: string;
  every: CheckpointEvery;
  /** A checkpoint file to continue from, or null to start at step 0. */
  resume: string | null;
  configHash: string;
  nfxVersion: string;
  backend: string;
  /** Save the final state of a completed or collapsed run (FINAL_CHECKPOINT). */
  final: boolean;
}

/** The plan of a config: where its files go and how often (train.checkpoint_every), resuming from `resume`. */
export function checkpointPlan(
  cfg: RunConfig,
  dir: string,
  label: { configHash: string; nfxVersion: string; backend: string },
  resume: string | null,
): CheckpointPlan {
  return { dir, every: parseStepsOrDuration(cfg.train.checkpoint_every), resume, final: true, ...label };
}

/** Whether a run that has made `step` steps in `trainMs` ms of training is due a checkpoint (last one at `lastMs`). */
export function checkpointDue(every: CheckpointEvery, step: number, trainMs: number, lastMs: number): boolean {
  if (every === null) return false;
  if ("steps" in every) return step % every.steps === 0;
  return trainMs - lastMs >= every.ms;
}

/** A checkpoint file a run has written. */
export interface SavedCheckpoint {
  step: number;
  file: string;
  sha256: string;
  bytes: number;
  final: boolean;
}

/** A run's progress as a checkpoint records it (besides the tensors). */
export interface RunProgress {
  step: number;
  /** Every step's loss so far, in step order. */
  losses: readonly number[];
  lastLoss: number | null;
  imagesSeen: number;
  trainMs: number;
}

/** Saves a run's checkpoints by its plan: when due, when stopped, and at the end. */
export class Checkpointer {
  private lastMs: number;

  constructor(
    private readonly plan: CheckpointPlan,
    private readonly state: TrainingState,
    private readonly stepsPerEpoch: number,
    private readonly micro: number,
    private readonly saved: (c: SavedCheckpoint) => void,
    startMs: number,
  ) {
    this.lastMs = startMs;
  }

  /** Saves a step checkpoint if one is due at `p` (train.checkpoint_every). */
  saveIfDue(p: RunProgress): void {
    if (checkpointDue(this.plan.every, p.step, p.trainMs, this.lastMs)) this.save(p, false);
  }

  /** Saves the state of a run stopped from outside, to continue from (unless checkpoints are off). */
  saveStopped(p: RunProgress): void {
    if (this.plan.every !== null) this.save(p, false);
  }

  /** Saves the final state of a finished run (FINAL_CHECKPOINT), if the plan keeps it. */
  saveFinal(p: RunProgress): void {
    if (this.plan.final) this.save(p, true);
  }

  private save(p: RunProgress, final: boolean): void {
    const file = path.join(this.plan.dir, final ? FINAL_CHECKPOINT : checkpointFileName(p.step));
    const record: CheckpointRecord = {
      format: 1,
      step: p.step,
      epoch: Math.floor(p.step / this.stepsPerEpoch),
      batchIndex: p.step % this.stepsPerEpoch,
      configHash: this.plan.configHash,
      nfxVersion: this.plan.nfxVersion,
      backend: this.plan.backend,
      micro: this.micro,
      lastLoss: p.lastLoss,
      imagesSeen: p.imagesSeen,
      trainMs: p.trainMs,
      final,
    };
    const { sha256, bytes } = saveCheckpoint(file, this.state, record, p.losses);
    this.lastMs = p.trainMs;
    this.saved({ step: p.step, file, sha256, bytes, final });
  }
}
