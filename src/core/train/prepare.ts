// Step 1 of a run (trainRun.ts): making it ready to train. In order: size it (refusing a split that cannot feed
// it), read the checkpoint to resume from, build the model and load `model.init_from`, choose the micro-batch,
// create the trainer and restore the checkpoint into it; then where the run starts, its checkpointer and its
// learning-rate schedule.
import { stepsFromEpochs } from "../config/hash.js";
import { stepFault } from "../config/runnable.js";
import type { RunConfig } from "../config/schema.js";
import type { Dataset } from "../data/index.js";
import { currentBackend } from "../engine/backend/backend.js";
import type { BuiltModel } from "../models/build.js";
import { buildModel, resolveModelSpec } from "../models/index.js";
import { type InitFromInfo, initFromWeights } from "../weights/initFrom.js";
import type { WeightSource } from "../weights/nameMaps.js";
import {
  Checkpointer,
  type CheckpointPlan,
  type LoadedCheckpoint,
  type RunProgress,
  readCheckpoint,
  restoreCheckpoint,
  type SavedCheckpoint,
} from "./checkpoint.js";
import { chooseMicroBatch, type MicroBatchChoice } from "./microBatch.js";
import { type ScheduleOptions, warmupSteps } from "./schedule.js";
import { createTrainer, type Trainer } from "./step.js";

/**
 * Steps per epoch and total optimizer steps for a config on a training split of `trainSize` examples. Every step
 * takes a full logical batch (the last partial batch of an epoch is dropped, so nfx's data order is not the
 * official repeating stream's); the total from epochs is the official ⌊N·E/B⌋ (config/revision.ts
 * stepsFromEpochs), so a run of E epochs makes its last steps in the epoch after its E·⌊N/B⌋ th.
 * @throws ConfigError (config/runnable.ts stepFault) when the split holds fewer examples than one logical batch: no
 * step could ever be made, and an epoch loop over zero batches would never end.
 */
export function planSteps(cfg: RunConfig, trainSize: number): { stepsPerEpoch: number; total: number } {
  const split = cfg.data.train_size !== null ? `data.train_size ${cfg.data.train_size}` : `all of ${cfg.data.name}`;
  const fault = stepFault(cfg, trainSize, split);
  if (fault) throw fault;
  const stepsPerEpoch = Math.floor(trainSize / cfg.train.batch_size);
  const total = cfg.train.steps ?? stepsFromEpochs(cfg.train.epochs, cfg.train.batch_size, trainSize, cfg.revision);
  return { stepsPerEpoch, total };
}

/** A run's size: the examples of its training split, full batches per epoch, and optimizer steps in all. */
export interface RunSize {
  trainSize: number;
  stepsPerEpoch: number;
  total: number;
}

/** A run ready to train. The caller owns (and disposes) its model and trainer. */
export interface PreparedRun {
  size: RunSize;
  schedule: ScheduleOptions;
  model: BuiltModel;
  trainer: Trainer;
  micro: MicroBatchChoice;
  /** The weights the run started from (`model.init_from`), or null for a fresh initialisation. */
  initFrom: InitFromInfo | null;
  /** The step a resumed run continues from (its checkpoint's), or null. */
  resumedFrom: number | null;
  /** Where the run starts: step 0, or where its checkpoint ended (every step's loss so far included). */
  progress: RunProgress & { losses: number[] };
  /** Saves the run's checkpoints by its plan; null without one. */
  saver: Checkpointer | null;
}

/**
 * Prepares a run of `cfg` on `dataset`; `saved` hears each checkpoint written. What it built is disposed when a
 * later part of it fails.
 * @throws Error when the training split cannot fill one logical batch or the test split is empty (before anything
 * is built), when the checkpoint to resume from is unreadable or of another model, or from `model.init_from`'s
 * weights file (format, SHA-256, mismatch).
 */
export async function prepare(
  cfg: RunConfig,
  dataset: Dataset,
  checkpoints: CheckpointPlan | null,
  saved: (c: SavedCheckpoint) => void,
): Promise<PreparedRun> {
  const size = sizeRun(cfg, dataset);
  // A checkpoint to continue from is read first: it fixes the micro-batch, hence the gradients' summation order.
  const resume: LoadedCheckpoint | null = checkpoints?.resume ? readCheckpoint(checkpoints.resume) : null;
  const model = buildModel(resolveModelSpec(cfg.model), {
    numClasses: dataset.numClasses,
    inputShape: dataset.imageShape,
    seed: cfg.seed,
  });
  let trainer: Trainer | null = null;
  try {
    const initFrom = startingWeights(cfg, model);
    const micro = await microBatchFor(cfg, model, dataset, resume);
    trainer = createTrainer(cfg, model, dataset.numClasses, micro.micro);
    if (resume && checkpoints) restoreCheckpoint(resume, { model, trainer }, checkpoints.configHash);
    const progress = {
      step: resume?.record.step ?? 0,
      losses: resume?.losses ?? [],
      lastLoss: resume?.record.lastLoss ?? null,
      imagesSeen: resume?.record.imagesSeen ?? 0,
      trainMs: resume?.record.trainMs ?? 0,
    };
    const saver = checkpoints
      ? new Checkpointer(checkpoints, { model, trainer }, size.stepsPerEpoch, micro.micro, saved, progress.trainMs)
      : null;
    const schedule: ScheduleOptions = {
      base: cfg.optim.lr,
      batchSize: cfg.train.batch_size,
      warmupSteps: warmupSteps(cfg.optim.warmup_epochs, size.trainSize, cfg.train.batch_size),
      totalSteps: size.total,
      kind: cfg.optim.schedule,
    };
    const resumedFrom = resume?.record.step ?? null;
    return { size, schedule, model, trainer, micro, initFrom, resumedFrom, progress, saver };
  } catch (e) {
    trainer?.dispose();
    model.dispose();
    throw e;
  }
}

/** The run's size, refused before anything is built when a split cannot feed it. */
function sizeRun(cfg: RunConfig, dataset: Dataset): RunSize {
  const trainSize = Math.min(cfg.data.train_size ?? dataset.train.size, dataset.train.size);
  const { stepsPerEpoch, total } = planSteps(cfg, trainSize);
  if (Math.min(cfg.data.test_size ?? dataset.test.size, dataset.test.size) < 1) {
    throw new Error("the test split has no example to evaluate");
  }
  return { trainSize, stepsPerEpoch, total };
}

/** Loads `model.init_from` into the freshly built model (fine-tuning), or returns null when the config has none. */
function startingWeights(cfg: RunConfig, model: BuiltModel): InitFromInfo | null {
  const m = cfg.model as Record<string, unknown>;
  if (typeof m.init_from !== "string") return null;
  return initFromWeights(model, m.init_from, {
    sha256: typeof m.init_from_sha256 === "string" ? m.init_from_sha256 : undefined,
    names: (m.init_from_names as WeightSource | undefined) ?? null,
  });
}

/** The micro-batch: a resumed run keeps its checkpoint's; a new one measures what fits (microBatch.ts). */
async function microBatchFor(
  cfg: RunConfig,
  model: BuiltModel,
  dataset: Dataset,
  resume: LoadedCheckpoint | null,
): Promise<MicroBatchChoice> {
  if (!resume) {
    return chooseMicroBatch(cfg, model, dataset.imageShape, dataset.numClasses, currentBackend()?.name ?? "");
  }
  const micro = resume.record.micro;
  return { micro, source: "checkpoint", ghostBatchNorm: model.state.length > 0 && micro < cfg.train.batch_size };
}
