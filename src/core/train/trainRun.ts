// One training run, top to bottom: data → model → (micro-batched) gradients → AGC → SGD, with metrics reported
// through callbacks. A run never writes the store: the sweep's single writer does.
import { clipGradients } from "../agc/agc.js";
import type { RunConfig } from "../config/schema.js";
import { batches, type Dataset, evalBatches } from "../data/index.js";
import { tf } from "../engine/tf.js";
import { buildModel, resolveModelSpec } from "../models/index.js";
import type { Model } from "../models/types.js";
import { WEIGHT_ROLES } from "../models/types.js";
import { countCorrect, smoothedCrossEntropy } from "./loss.js";
import { lrAt } from "./schedule.js";
import { Sgd } from "./sgd.js";

export interface RunReporter {
  /** Called once, before the first step. */
  start?(info: { stepsTotal: number; microBatch: number; params: number }): void;
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
  microBatch: number;
  reason: string | null;
}

/** Steps per epoch and total optimizer steps for a config on a dataset. */
export function planSteps(cfg: RunConfig, trainSize: number): { stepsPerEpoch: number; total: number } {
  const stepsPerEpoch = Math.max(1, Math.floor(trainSize / cfg.train.batch_size));
  const total = cfg.train.steps ?? Math.max(1, Math.round(cfg.train.epochs * stepsPerEpoch));
  return { stepsPerEpoch, total };
}

/**
 * The micro-batch a logical batch is computed in. NF models have no op that mixes examples, so summing the
 * micro-batch gradients gives exactly the full-batch gradient; small micro-batches run faster per image on a CPU.
 */
export function resolveMicroBatch(cfg: RunConfig): number {
  const b = cfg.train.batch_size;
  if (cfg.train.micro_batch !== "auto") return Math.min(cfg.train.micro_batch, b);
  return Math.min(b, 64);
}

/** Evaluates top-1 and mean loss on a split. */
export function evaluate(
  model: Model,
  dataset: Dataset,
  split: "train" | "test",
  limit: number | null,
): { top1: number; loss: number; n: number } {
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
  const targets = model.params.map((p) => ({ value: p.variable as tf.Tensor, role: p.role }));
  const sgd = new Sgd(
    vars,
    model.params.map((p) => WEIGHT_ROLES.has(p.role)),
    { momentum: cfg.optim.momentum, nesterov: cfg.optim.nesterov, weightDecay: cfg.optim.weight_decay },
  );
  const trainSize = cfg.data.train_size ? Math.min(cfg.data.train_size, dataset.train.size) : dataset.train.size;
  const { stepsPerEpoch, total } = planSteps(cfg, trainSize);
  const micro = resolveMicroBatch(cfg);
  const warmupSteps = Math.round(cfg.optim.warmup_epochs * stepsPerEpoch);
  const schedule = {
    base: cfg.optim.lr,
    batchSize: cfg.train.batch_size,
    warmupSteps,
    totalSteps: total,
    kind: cfg.optim.schedule,
  };
  reporter.start?.({ stepsTotal: total, microBatch: micro, params: vars.reduce((s, v) => s + v.size, 0) });

  let step = 0;
  let status: TrainStatus = "completed";
  let reason: string | null = null;
  let lastLoss: number | null = null;
  let imagesSeen = 0;
  let trainMs = 0;
  try {
    for (let epoch = 0; step < total; epoch++) {
      const it = batches(dataset.train, {
        batchSize: cfg.train.batch_size,
        seed: cfg.seed,
        epoch,
        shuffle: true,
        augment: cfg.data.augment,
        dropRemainder: true,
        limit: trainSize,
      });
      for (const batch of it) {
        if (step >= total || status !== "completed") {
          batch.x.dispose();
          batch.y.dispose();
          break;
        }
        const t0 = performance.now();
        const lr = lrAt(step, schedule);
        const stats = tf.tidy(() => {
          // Gradient of the logical batch = size-weighted mean of micro-batch gradients.
          const n = batch.size;
          let sum: tf.Tensor[] | null = null;
          let lossSum: tf.Tensor = tf.scalar(0);
          for (let start = 0; start < n; start += micro) {
            const m = Math.min(micro, n - start);
            const xm = batch.x.slice([start, 0, 0, 0], [m, -1, -1, -1]);
            const ym = batch.y.slice([start], [m]);
            const { value, grads } = tf.variableGrads(() => {
              const logits = model.apply(xm, { training: true, seed: cfg.seed * 1_000_003 + step * 131 + start });
              return smoothedCrossEntropy(logits, ym, cfg.train.label_smoothing).mul(m / n) as tf.Scalar;
            }, vars);
            const list = vars.map((v) => grads[v.name] as tf.Tensor);
            sum = sum ? sum.map((s, i) => s.add(list[i] as tf.Tensor)) : list;
            lossSum = lossSum.add(value);
          }
          const raw = sum as tf.Tensor[];
          const gradNorm = tf.addN(raw.map((g) => g.square().sum())).sqrt();
          const clip = clipGradients(raw, targets, {
            granularity: cfg.agc.granularity,
            lambda: cfg.agc.lambda ?? 0,
            eps: cfg.agc.eps,
            exclude: cfg.agc.exclude,
          });
          sgd.apply(clip.grads, lr);
          const head = tf.stack([lossSum, gradNorm]);
          const counts = clip.clippedByRole?.counts.reshape([-1]);
          return { values: counts ? tf.concat([head, counts]) : head, roles: clip.clippedByRole?.roles ?? [] };
        });
        const values = stats.values.dataSync();
        stats.values.dispose();
        batch.x.dispose();
        batch.y.dispose();
        trainMs += performance.now() - t0;
        imagesSeen += batch.size;
        const loss = values[0] as number;
        const metrics: Record<string, number> = {
          loss,
          lr,
          grad_norm: values[1] as number,
          images_per_s: (batch.size * 1000) / (performance.now() - t0),
        };
        if (stats.roles.length) {
          let clipped = 0;
          let units = 0;
          stats.roles.forEach((role, i) => {
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
          const ev = evaluate(model, dataset, "test", cfg.data.test_size);
          reporter.eval?.(step, "test", ev.top1, ev.loss, ev.n);
        }
        // Yield to the event loop so that signals and progress rendering are handled between steps.
        await new Promise((r) => setImmediate(r));
      }
      if (status !== "completed") break;
    }
    let testTop1: number | null = null;
    if (status === "completed") {
      const ev = evaluate(model, dataset, "test", cfg.data.test_size);
      reporter.eval?.(step, "test", ev.top1, ev.loss, ev.n);
      testTop1 = ev.top1;
    }
    return {
      status,
      steps: step,
      testTop1,
      finalLoss: lastLoss,
      imagesPerS: trainMs > 0 ? (imagesSeen * 1000) / trainMs : null,
      microBatch: micro,
      reason,
    };
  } finally {
    sgd.dispose();
    model.dispose();
  }
}
