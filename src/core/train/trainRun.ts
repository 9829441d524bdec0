// One training run, top to bottom: data → model → (micro-batched) gradient → AGC → weight decay + SGD, with
// metrics reported through callbacks. A run never writes the store: the sweep's single writer does.
import { clipGradients } from "../agc/agc.js";
import type { RunConfig } from "../config/schema.js";
import { batches, type Dataset, evalBatches } from "../data/index.js";
import { currentBackend } from "../engine/backend.js";
import { tf } from "../engine/tf.js";
import { buildModel, resolveModelSpec } from "../models/index.js";
import { type Model, WEIGHT_ROLES } from "../models/types.js";
import { WeightEma } from "./ema.js";
import { batchGradient, globalNorm } from "./gradients.js";
import { countCorrect, smoothedCrossEntropy } from "./loss.js";
import { chooseMicroBatch, type MicroBatchChoice } from "./microBatch.js";
import { mixBatch } from "./mix.js";
import { samAscend } from "./sam.js";
import { lrAt } from "./schedule.js";
import { Sgd } from "./sgd.js";

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
  const clipTargets = model.params.map((p) => ({ value: p.variable as tf.Tensor, role: p.role }));
  const sgd = new Sgd(
    vars,
    model.params.map((p) => WEIGHT_ROLES.has(p.role)),
    { momentum: cfg.optim.momentum, nesterov: cfg.optim.nesterov, weightDecay: cfg.optim.weight_decay },
  );
  const ema = cfg.optim.ema_decay === null ? null : new WeightEma(vars, cfg.optim.ema_decay);
  const trainSize = Math.min(cfg.data.train_size ?? dataset.train.size, dataset.train.size);
  const { stepsPerEpoch, total } = planSteps(cfg, trainSize);
  const schedule = {
    base: cfg.optim.lr,
    batchSize: cfg.train.batch_size,
    warmupSteps: Math.round(cfg.optim.warmup_epochs * stepsPerEpoch),
    totalSteps: total,
    kind: cfg.optim.schedule,
  };
  const micro = chooseMicroBatch(cfg, model, dataset.imageShape, dataset.numClasses, currentBackend()?.name ?? "");
  const mixing = cfg.data.augment.mixup > 0 || cfg.data.augment.cutmix > 0;
  const evalNow = () => {
    const run = () => evaluate(model, dataset, "test", cfg.data.test_size);
    return ema ? ema.withAveraged(run) : run();
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
        const stepSeed = cfg.seed * 1_000_003 + step * 7919;
        const out = tf.tidy(() => {
          let x: tf.Tensor4D = batch.x;
          let targets = tf.oneHot(batch.y, dataset.numClasses).toFloat() as tf.Tensor2D;
          if (mixing) ({ x, targets } = mixBatch(x, targets, cfg.data.augment, cfg.seed, step));
          const gradOpts = { micro: micro.micro, smoothing: cfg.train.label_smoothing, seed: stepSeed };
          let restore: (() => void) | null = null;
          if (cfg.optim.sam_rho !== null) {
            const k = Math.max(1, Math.round(batch.size * cfg.optim.sam_fraction));
            const ascent = batchGradient(model, vars, x.slice(0, k), targets.slice(0, k), gradOpts);
            restore = samAscend(vars, ascent.grads, cfg.optim.sam_rho);
          }
          const { loss, grads } = batchGradient(model, vars, x, targets, gradOpts);
          restore?.();
          const clip = clipGradients(grads, clipTargets, {
            granularity: cfg.agc.granularity,
            lambda: cfg.agc.lambda ?? 0,
            eps: cfg.agc.eps,
            exclude: cfg.agc.exclude,
          });
          sgd.apply(clip.grads, lr);
          ema?.update();
          // Everything the step reports, read back in one transfer.
          const head = tf.stack([loss, globalNorm(grads)]);
          const counts = clip.clippedByRole?.counts.reshape([-1]);
          return { values: counts ? tf.concat([head, counts]) : head, roles: clip.clippedByRole?.roles ?? [] };
        });
        const values = out.values.dataSync();
        out.values.dispose();
        batch.x.dispose();
        batch.y.dispose();
        const ms = performance.now() - t0;
        trainMs += ms;
        imagesSeen += batch.size;
        const loss = values[0] as number;
        const metrics: Record<string, number> = {
          loss,
          lr,
          grad_norm: values[1] as number,
          images_per_s: (batch.size * 1000) / ms,
        };
        if (out.roles.length) {
          let clipped = 0;
          let units = 0;
          out.roles.forEach((role, i) => {
            const c = values[2 + 2 * i] as number;
            const u = values[3 + 2 * i] as number;
            metrics[`clip_frac.${role}`] = u ? c / u : 0;
            clipped += c;
            units += u;
          });
          metrics.clip_frac = units ? clipped / units : 0;
        }
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
    ema?.dispose();
    sgd.dispose();
    model.dispose();
  }
}
