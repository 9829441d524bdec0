// One training run, top to bottom: data → model → (micro-batched) gradient → AGC → weight decay + SGD, with
// metrics reported through callbacks. A run never writes the store: the sweep's single writer does.
import type { RunConfig } from "../config/schema.js";
import { batches, type Dataset, evalBatches } from "../data/index.js";
import { currentBackend } from "../engine/backend.js";
import { tf } from "../engine/tf.js";
import type { BuiltModel } from "../models/build.js";
import { buildModel, resolveModelSpec } from "../models/index.js";
import type { Model } from "../models/types.js";
import { type InitFromInfo, initFromWeights } from "../weights/initFrom.js";
import type { WeightSource } from "../weights/nameMaps.js";
import {
  Checkpointer,
  type CheckpointPlan,
  type LoadedCheckpoint,
  readCheckpoint,
  restoreCheckpoint,
  type SavedCheckpoint,
} from "./checkpoint.js";
import { smoothedCrossEntropy } from "./loss.js";
import { chooseMicroBatch, type MicroBatchChoice } from "./microBatch.js";
import { classifyCollapse } from "./outcome.js";
import { lrAt } from "./schedule.js";
import { createTrainer, stepMetrics, weightsFinite } from "./step.js";

export interface RunReporter {
  /** Called once, before the first step. */
  start?(info: {
    stepsTotal: number;
    microBatch: MicroBatchChoice;
    params: number;
    /** The step a resumed run continues from (its checkpoint's), or null for a run from step 0. */
    resumedFrom: number | null;
  }): void;
  /** Per optimizer step: loss, lr, grad_norm, clip fractions, skip_gain_abs_mean (models with skip gains), images_per_s. */
  step?(step: number, metrics: Record<string, number>): void;
  eval?(step: number, split: string, top1: number, loss: number, n: number): void;
  /** A checkpoint was written (atomically, complete): after the steps, evals and checkpoints reported before it. */
  checkpoint?(saved: SavedCheckpoint): void;
  /** Asked between steps; returning true stops the run as interrupted. */
  shouldStop?(): boolean;
}

/** `collapsed`: every step ran but the run did not train (outcome.ts: ended at chance, or flat at ln(C) after a spike). */
export type TrainStatus = "completed" | "diverged" | "collapsed" | "interrupted";

/** What a run reports at its end. Every number is finite or null (never NaN or ±Inf). */
export interface TrainResult {
  status: TrainStatus;
  /** Optimizer steps made; for a diverged run, the (1-based) step whose update or loss diverged. */
  steps: number;
  /** Final test top-1 in [0, 1]; null unless completed or collapsed. */
  testTop1: number | null;
  /** For a collapsed run, the 1-based step it collapsed at (outcome.ts); else null. */
  collapsedStep: number | null;
  /** Training loss of the last step; null when it was not finite. */
  finalLoss: number | null;
  imagesPerS: number | null;
  microBatch: MicroBatchChoice;
  reason: string | null;
  /** The weights the run started from (`model.init_from`), or null for a fresh initialisation. */
  initFrom?: InitFromInfo | null;
  /** The step this run continued from (a checkpoint's), or null. */
  resumedFrom: number | null;
}

/**
 * Steps per epoch and total optimizer steps for a config on a training split of `trainSize` examples. Every step
 * takes a full logical batch (the last partial batch of an epoch is dropped).
 * @throws Error when the split holds fewer examples than one logical batch: no step could ever be made, and an
 * epoch loop over zero batches would never end.
 */
export function planSteps(cfg: RunConfig, trainSize: number): { stepsPerEpoch: number; total: number } {
  const stepsPerEpoch = Math.floor(trainSize / cfg.train.batch_size);
  if (!(stepsPerEpoch >= 1)) {
    throw new Error(
      `train.batch_size ${cfg.train.batch_size} is larger than the training split (${trainSize} examples` +
        `${cfg.data.train_size !== null ? `, data.train_size ${cfg.data.train_size}` : ""}): no optimizer step can be made`,
    );
  }
  const total = cfg.train.steps ?? Math.max(1, Math.round(cfg.train.epochs * stepsPerEpoch));
  return { stepsPerEpoch, total };
}

export interface Evaluation {
  /** Fraction of correct top-1 predictions, in [0, 1]. */
  top1: number;
  /** Mean unsmoothed cross-entropy (nats). */
  loss: number;
  /** Number of examples evaluated. */
  n: number;
  /** False when some logit was NaN or ±Inf, or the loss is not finite: the weights have diverged. */
  finite: boolean;
}

/**
 * Top-1 and mean (unsmoothed) loss on a split, in batches of 500; the first `limit` examples when given;
 * `progress` hears examples done and the total after each batch.
 * @throws Error when the split (or its limit) holds no example: there is nothing to measure.
 */
export function evaluate(
  model: Model,
  dataset: Dataset,
  split: "train" | "test",
  limit: number | null,
  progress?: (done: number, total: number) => void,
): Evaluation {
  const total = Math.min(limit ?? dataset[split].size, dataset[split].size);
  let correct = 0;
  let lossSum = 0;
  let n = 0;
  let finite = true;
  for (const { x, y, size } of evalBatches(dataset[split], 500, limit)) {
    tf.tidy(() => {
      const logits = model.apply(x, { training: false });
      const labels = y.toInt();
      // One read per batch: [correct, loss·size, Σ 0·logits] — the last is NaN iff some logit is not finite.
      const read = tf
        .stack([
          logits.argMax(1).equal(labels).sum().toFloat(),
          smoothedCrossEntropy(logits, y, 0).mul(size),
          logits.mul(0).sum(),
        ])
        .dataSync();
      correct += read[0] as number;
      lossSum += read[1] as number;
      if (read[2] !== 0) finite = false;
    });
    n += size;
    x.dispose();
    y.dispose();
    progress?.(n, total);
  }
  if (n === 0) throw new Error(`the ${split} split has no example to evaluate`);
  const loss = lossSum / n;
  return { top1: correct / n, loss, n, finite: finite && Number.isFinite(loss) };
}

/**
 * Loads `model.init_from` into a freshly built model (fine-tuning), or returns null when the config has none.
 * The model is disposed when loading fails. @throws Error from the weights file (format, SHA-256, mismatch).
 */
function startingWeights(cfg: RunConfig, model: BuiltModel): InitFromInfo | null {
  const m = cfg.model as Record<string, unknown>;
  if (typeof m.init_from !== "string") return null;
  try {
    return initFromWeights(model, m.init_from, {
      sha256: typeof m.init_from_sha256 === "string" ? m.init_from_sha256 : undefined,
      names: (m.init_from_names as WeightSource | undefined) ?? null,
    });
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/**
 * Trains one run of `cfg` on `dataset`, reporting through `reporter`. Divergence is a result, not an error: a loss
 * above train.diverge_loss or not finite, a non-finite weight after any update (the last included), or non-finite
 * evaluation logits end the run as `diverged` at that step.
 * With `checkpoints`, the run saves its whole state as that plan says (checkpoint.ts: when due, when stopped, and
 * its final state) and, given a checkpoint to resume from, continues from it: the steps after it are the steps an
 * uninterrupted run makes, bit for bit on the same backend.
 * @throws Error before anything runs when the training split cannot fill one logical batch or the test split is
 * empty, or when the checkpoint to resume from is unreadable or of another model; errors of the model, data or
 * backend propagate.
 */
export async function trainRun(
  cfg: RunConfig,
  dataset: Dataset,
  reporter: RunReporter = {},
  checkpoints: CheckpointPlan | null = null,
): Promise<TrainResult> {
  const trainSize = Math.min(cfg.data.train_size ?? dataset.train.size, dataset.train.size);
  const { stepsPerEpoch, total } = planSteps(cfg, trainSize);
  if (Math.min(cfg.data.test_size ?? dataset.test.size, dataset.test.size) < 1) {
    throw new Error("the test split has no example to evaluate");
  }
  // A checkpoint to continue from is read first: it fixes the micro-batch, hence the gradients' summation order.
  const resume: LoadedCheckpoint | null = checkpoints?.resume ? readCheckpoint(checkpoints.resume) : null;
  const spec = resolveModelSpec(cfg.model);
  const model = buildModel(spec, { numClasses: dataset.numClasses, inputShape: dataset.imageShape, seed: cfg.seed });
  const initFrom = startingWeights(cfg, model);
  const vars = model.params.map((p) => p.variable);
  const schedule = {
    base: cfg.optim.lr,
    batchSize: cfg.train.batch_size,
    warmupSteps: Math.round(cfg.optim.warmup_epochs * stepsPerEpoch),
    totalSteps: total,
    kind: cfg.optim.schedule,
  };
  let trainer: ReturnType<typeof createTrainer> | null = null;
  try {
    const micro: MicroBatchChoice = resume
      ? {
          micro: resume.record.micro,
          source: "checkpoint",
          ghostBatchNorm: model.state.length > 0 && resume.record.micro < cfg.train.batch_size,
        }
      : await chooseMicroBatch(cfg, model, dataset.imageShape, dataset.numClasses, currentBackend()?.name ?? "");
    const tr = createTrainer(cfg, model, dataset.numClasses, micro.micro);
    trainer = tr;
    if (resume && checkpoints) restoreCheckpoint(resume, { model, trainer: tr }, checkpoints.configHash);
    const evalNow = () => {
      const run = () => evaluate(model, dataset, "test", cfg.data.test_size);
      return tr.ema ? tr.ema.withAveraged(run) : run();
    };
    const resumedFrom = resume?.record.step ?? null;
    reporter.start?.({
      stepsTotal: total,
      microBatch: micro,
      params: vars.reduce((s, v) => s + v.size, 0),
      resumedFrom,
    });

    // A resumed run starts where its checkpoint ended (the losses so far are the collapse rule's input).
    let step = resume?.record.step ?? 0;
    let status: TrainStatus = "completed";
    let reason: string | null = null;
    let lastLoss: number | null = resume?.record.lastLoss ?? null;
    let imagesSeen = resume?.record.imagesSeen ?? 0;
    let trainMs = resume?.record.trainMs ?? 0;
    let testTop1: number | null = null;
    let collapsedStep: number | null = null;
    /** Every step's training loss, for the collapse rule at the end (8 bytes a step). */
    const losses: number[] = resume?.losses ?? [];
    const progress = () => ({ step, losses, lastLoss, imagesSeen, trainMs });
    const saver = checkpoints
      ? new Checkpointer(
          checkpoints,
          { model, trainer: tr },
          stepsPerEpoch,
          micro.micro,
          (c) => reporter.checkpoint?.(c),
          trainMs,
        )
      : null;
    const diverge = (why: string) => {
      status = "diverged";
      reason = why;
    };
    /** Evaluates on the test split; reports it, or marks the run diverged when the logits are not finite. */
    const evalAndReport = (): number | null => {
      const ev = evalNow();
      if (!ev.finite) {
        diverge(`non-finite evaluation logits or loss after step ${step}`);
        return null;
      }
      reporter.eval?.(step, "test", ev.top1, ev.loss, ev.n);
      return ev.top1;
    };
    // Each epoch yields stepsPerEpoch full batches, so step s is batch s mod stepsPerEpoch of epoch ⌊s / stepsPerEpoch⌋.
    const firstEpoch = Math.floor(step / stepsPerEpoch);
    for (let epoch = firstEpoch; step < total && status === "completed"; epoch++) {
      const epochBatches = batches(dataset.train, {
        startBatch: epoch === firstEpoch ? step % stepsPerEpoch : 0,
        batchSize: cfg.train.batch_size,
        seed: cfg.seed,
        epoch,
        shuffle: true,
        augment: cfg.data.augment,
        dropRemainder: true,
        limit: trainSize,
      });
      const stepBefore = step;
      for (const batch of epochBatches) {
        if (step >= total || status !== "completed") {
          batch.x.dispose();
          batch.y.dispose();
          break;
        }
        const t0 = performance.now();
        const lr = lrAt(step, schedule);
        const out = tr.step(batch.x, batch.y, step, lr);
        const values = out.values.dataSync();
        out.values.dispose();
        batch.x.dispose();
        batch.y.dispose();
        const ms = performance.now() - t0;
        trainMs += ms;
        imagesSeen += batch.size;
        const metrics = {
          ...stepMetrics(values, out.roles, out.skipGains),
          lr,
          images_per_s: ms > 0 ? (batch.size * 1000) / ms : 0,
        };
        const loss = metrics.loss;
        lastLoss = Number.isFinite(loss) ? loss : null;
        losses.push(loss);
        reporter.step?.(step, metrics);
        step++;
        if (!Number.isFinite(loss) || loss > cfg.train.diverge_loss) {
          diverge(`loss ${loss} at step ${step} (limit ${cfg.train.diverge_loss})`);
        } else if (!weightsFinite(values)) {
          diverge(`non-finite weights after the update of step ${step}`);
        } else {
          if (cfg.train.eval_every > 0 && step % cfg.train.eval_every === 0 && step < total) evalAndReport();
          // A checkpoint comes after the step's evaluation: a run resumed from it has every record up to it.
          if (status === "completed" && reporter.shouldStop?.()) {
            status = "interrupted";
            reason = "stopped";
            saver?.saveStopped(progress());
          } else if (status === "completed" && step < total) {
            saver?.saveIfDue(progress());
          }
        }
        // Yield to the event loop so that signals and progress rendering are handled between steps.
        await new Promise((r) => setImmediate(r));
      }
      // planSteps guarantees a batch per epoch; a loop that made no step would never end.
      if (step === stepBefore && status === "completed") {
        throw new Error(
          `epoch ${epoch} yielded no training batch (${trainSize} examples, batch ${cfg.train.batch_size})`,
        );
      }
    }
    if (status === "completed") testTop1 = evalAndReport();
    if (status === "completed") {
      const collapse = classifyCollapse({ losses, top1: testTop1, numClasses: dataset.numClasses });
      if (collapse) {
        status = "collapsed";
        reason = collapse.reason;
        collapsedStep = collapse.step;
      }
    }
    if (status === "completed" || status === "collapsed") saver?.saveFinal(progress());
    const imagesPerS = trainMs > 0 ? (imagesSeen * 1000) / trainMs : null;
    return {
      status,
      steps: step,
      testTop1,
      collapsedStep,
      finalLoss: lastLoss,
      imagesPerS,
      microBatch: micro,
      reason,
      initFrom,
      resumedFrom,
    };
  } finally {
    trainer?.dispose();
    model.dispose();
  }
}
