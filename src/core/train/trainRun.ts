// One training run, top to bottom: data → model → (micro-batched) gradient → AGC → weight decay + SGD, with
// metrics reported through callbacks. A run never writes the store: the sweep's single writer does.
import type { RunConfig } from "../config/schema.js";
import { batches, type Dataset, evalBatches } from "../data/index.js";
import { currentBackend } from "../engine/backend.js";
import { tf } from "../engine/tf.js";
import { buildModel, resolveModelSpec } from "../models/index.js";
import type { Model } from "../models/types.js";
import { countCorrect, smoothedCrossEntropy } from "./loss.js";
import { chooseMicroBatch, type MicroBatchChoice } from "./microBatch.js";
import { lrAt } from "./schedule.js";
import { createTrainer, stepMetrics } from "./step.js";

export interface RunReporter {
  /** Called once, before the first step. */
  start?(info: { stepsTotal: number; microBatch: MicroBatchChoice; params: number }): void;
  /** Per optimizer step: loss, lr, grad_norm, clip fractions, images_per_s. */
  step?(step: number, metrics: Record<string, number>): void;
  eval?(step: number, split: string, top1: number, loss: number, n: number): void;
  /** Asked between steps; returning true stops the run as interrupted. */
  shouldStop?(): boolean;
}

export type TrainStatus = "completed" | "diverged" | "interrupted";

export interface TrainResult {
  status: TrainStatus;
  steps: number;
  testTop1: number | null;
  finalLoss: number | null;
  imagesPerS: number | null;
  microBatch: MicroBatchChoice;
  reason: string | null;
}

/** Steps per epoch and total optimizer steps for a config on a training split of `trainSize` examples. */
export function planSteps(cfg: RunConfig, trainSize: number): { stepsPerEpoch: number; total: number } {
  const stepsPerEpoch = Math.max(1, Math.floor(trainSize / cfg.train.batch_size));
  const total = cfg.train.steps ?? Math.max(1, Math.round(cfg.train.epochs * stepsPerEpoch));
  return { stepsPerEpoch, total };
}

/** Top-1 and mean (unsmoothed) loss on a split. */
export function evaluate(model: Model, dataset: Dataset, split: "train" | "test", limit: number | null) {
  let correct = 0;
  let lossSum = 0;
  let n = 0;
  for (const { x, y, size } of evalBatches(dataset[split], 500, limit)) {
    tf.tidy(() => {
      const logits = model.apply(x, { training: false });
      correct += countCorrect(logits, y);
      lossSum += (smoothedCrossEntropy(logits, y, 0).dataSync()[0] as number) * size;
    });
    n += size;
    x.dispose();
    y.dispose();
  }
  return { top1: n ? correct / n : 0, loss: n ? lossSum / n : 0, n };
}

export async function trainRun(cfg: RunConfig, dataset: Dataset, reporter: RunReporter = {}): Promise<TrainResult> {
  const spec = resolveModelSpec(cfg.model);
  const model = buildModel(spec, { numClasses: dataset.numClasses, inputShape: dataset.imageShape, seed: cfg.seed });
  const vars = model.params.map((p) => p.variable);
  const trainSize = Math.min(cfg.data.train_size ?? dataset.train.size, dataset.train.size);
  const { stepsPerEpoch, total } = planSteps(cfg, trainSize);
  const schedule = {
    base: cfg.optim.lr,
    batchSize: cfg.train.batch_size,
    warmupSteps: Math.round(cfg.optim.warmup_epochs * stepsPerEpoch),
    totalSteps: total,
    kind: cfg.optim.schedule,
  };
  const micro = await chooseMicroBatch(
    cfg,
    model,
    dataset.imageShape,
    dataset.numClasses,
    currentBackend()?.name ?? "",
  );
  const trainer = createTrainer(cfg, model, dataset.numClasses, micro.micro);
  const evalNow = () => {
    const run = () => evaluate(model, dataset, "test", cfg.data.test_size);
    return trainer.ema ? trainer.ema.withAveraged(run) : run();
  };
  reporter.start?.({ stepsTotal: total, microBatch: micro, params: vars.reduce((s, v) => s + v.size, 0) });

  let step = 0;
  let status: TrainStatus = "completed";
  let reason: string | null = null;
  let lastLoss: number | null = null;
  let imagesSeen = 0;
  let trainMs = 0;
  try {
    for (let epoch = 0; step < total && status === "completed"; epoch++) {
      const epochBatches = batches(dataset.train, {
        batchSize: cfg.train.batch_size,
        seed: cfg.seed,
        epoch,
        shuffle: true,
        augment: cfg.data.augment,
        dropRemainder: true,
        limit: trainSize,
      });
      for (const batch of epochBatches) {
        if (step >= total || status !== "completed") {
          batch.x.dispose();
          batch.y.dispose();
          break;
        }
        const t0 = performance.now();
        const lr = lrAt(step, schedule);
        const out = trainer.step(batch.x, batch.y, step, lr);
        const values = out.values.dataSync();
        out.values.dispose();
        batch.x.dispose();
        batch.y.dispose();
        const ms = performance.now() - t0;
        trainMs += ms;
        imagesSeen += batch.size;
        const metrics = { ...stepMetrics(values, out.roles), lr, images_per_s: (batch.size * 1000) / ms };
        const loss = metrics.loss;
        lastLoss = loss;
        reporter.step?.(step, metrics);
        step++;
        if (!Number.isFinite(loss) || loss > cfg.train.diverge_loss) {
          status = "diverged";
          reason = `loss ${loss} at step ${step} (limit ${cfg.train.diverge_loss})`;
        } else if (reporter.shouldStop?.()) {
          status = "interrupted";
          reason = "stopped";
        } else if (cfg.train.eval_every > 0 && step % cfg.train.eval_every === 0 && step < total) {
          const ev = evalNow();
          reporter.eval?.(step, "test", ev.top1, ev.loss, ev.n);
        }
        // Yield to the event loop so that signals and progress rendering are handled between steps.
        await new Promise((r) => setImmediate(r));
      }
    }
    let testTop1: number | null = null;
    if (status === "completed") {
      const ev = evalNow();
      reporter.eval?.(step, "test", ev.top1, ev.loss, ev.n);
      testTop1 = ev.top1;
    }
    const imagesPerS = trainMs > 0 ? (imagesSeen * 1000) / trainMs : null;
    return { status, steps: step, testTop1, finalLoss: lastLoss, imagesPerS, microBatch: micro, reason };
  } finally {
    trainer.dispose();
    model.dispose();
  }
}
