// One optimizer step on a logical batch: [MixUp/CutMix] → [SAM ascent] → accumulated gradient → AGC →
// weight decay + the optimizer (optim.name: optim/table.ts) → [EMA]. Clipping and the update happen once per
// logical batch, on the accumulated gradient; clipping acts on the raw gradient, before any optimizer's own
// transformation (decay, trust ratio, moments).
import { type ClipResult, clipGradients, globalNorm } from "../agc/agc.js";
import { deriveSeed } from "../base/random.js";
import type { RunConfig } from "../config/schema.js";
import type { PhaseClock } from "../engine/bench/phaseProfile.js";
import { stepChecks } from "../engine/ops/stepChecks.js";
import { tf } from "../engine/tf.js";
import { type Model, WEIGHT_ROLES } from "../models/types.js";
import type { Optimizer, SlotGroup } from "../optim/optimizer.js";
import { OPTIMIZERS } from "../optim/table.js";
import { WeightEma } from "./ema.js";
import { batchGradient } from "./gradients.js";
import { mixBatch } from "./mix.js";
import { samAscend } from "./sam.js";

/** Stream label of the dropout / stochastic-depth seed of a step. */
const STEP_MASK_STREAM = 0x6d61736b;

export interface StepOutput {
  /**
   * [loss, grad_norm, weights_check, skip_gain_abs_mean, (clipped units, total units) per role…], read back in one
   * transfer. weights_check is 0 when every weight after the update is finite, else NaN (Σ 0·w over all weights);
   * skip_gain_abs_mean is the mean |g| over the model's skip gains after the update (0 when it has none).
   */
  values: tf.Tensor1D;
  /** Roles of the clip counts in `values`. */
  roles: string[];
  /** Whether the model has skip gains (else skip_gain_abs_mean is not a metric of this run). */
  skipGains: boolean;
}

export interface Trainer {
  /** `clock` (profiling, `nfx bench training --profile`) is told where each phase of the step begins. */
  step(x: tf.Tensor4D, y: tf.Tensor1D, step: number, lr: number, clock?: PhaseClock): StepOutput;
  ema: WeightEma | null;
  /** The optimizer's state: groups of one variable per model parameter, in `model.params` order (checkpoint.ts). */
  optimizerSlots: readonly SlotGroup[];
  dispose(): void;
}

export function createTrainer(
  cfg: RunConfig,
  model: Model,
  numClasses: number,
  micro: number,
  /** Progress within a logical batch, for steps that take minutes (NFNet-F0 on a CPU). */
  onMicroBatch?: (done: number, total: number) => void,
): Trainer {
  const vars = model.params.map((p) => p.variable);
  const clipTargets = model.params.map((p) => ({ value: p.variable as tf.Tensor, role: p.role }));
  const optimizer = createOptimizer(cfg, vars, model);
  const state = model.state.map((s) => s.variable);
  const ema = cfg.optim.ema_decay === null ? null : new WeightEma(vars, state, cfg.optim.ema_decay);
  // The zero-initialised skip gains: AGC clips their gradient to λ·max(|g|, ε), so at small λ they barely move.
  const skipGains = model.params.filter((p) => p.role === "skip_gain").map((p) => p.variable);
  const mixing = cfg.data.augment.mixup > 0 || cfg.data.augment.cutmix > 0;
  return {
    ema,
    optimizerSlots: optimizer.slots,
    step(x0, y, step, lr, clock) {
      return tf.tidy(() => {
        clock?.mark("forward");
        let x = x0;
        let targets = tf.oneHot(y, numClasses).toFloat() as tf.Tensor2D;
        if (mixing) ({ x, targets } = mixBatch(x, targets, cfg.data.augment, cfg.seed, step));
        const opts = {
          micro,
          smoothing: cfg.train.label_smoothing,
          // Everything random in the step is keyed by (seed, step, example index in the logical batch).
          seed: deriveSeed(cfg.seed, STEP_MASK_STREAM, step),
          onMicroBatch,
          clock,
        };
        let restore: (() => void) | null = null;
        if (cfg.optim.sam_rho !== null) {
          // The ascent subset is the logical batch's first k examples (already shuffled): a function of (seed, step),
          // and those examples keep their indices, hence their masks, whatever the micro-batch.
          const k = Math.max(1, Math.round(x.shape[0] * cfg.optim.sam_fraction));
          const ascent = batchGradient(model, vars, x.slice(0, k), targets.slice(0, k), opts);
          restore = samAscend(vars, ascent.grads, cfg.optim.sam_rho);
        }
        const { loss, grads } = batchGradient(model, vars, x, targets, opts);
        restore?.();
        clock?.mark("agc");
        const clip = clipGradients(grads, clipTargets, {
          granularity: cfg.agc.granularity,
          lambda: cfg.agc.lambda,
          eps: cfg.agc.eps,
          exclude: cfg.agc.exclude,
          // A NaN or ±Inf gradient is passed on, not thrown: the update makes a weight non-finite, which this step's
          // weights_check reports and trainRun ends as `diverged` (a throw would lose the run's record).
          nonFinite: "keep",
        });
        clock?.mark("optimizer");
        optimizer.apply(clip.grads, lr, step);
        ema?.update(step);
        clock?.mark("bookkeeping");
        return stepOutput(loss, grads, clip, vars, skipGains);
      });
    },
    dispose() {
      ema?.dispose();
      optimizer.dispose();
    },
  };
}

/** The optimizer `cfg.optim.name` over the model's variables; weights (not gains, biases, skip gains) decay. */
function createOptimizer(cfg: RunConfig, vars: tf.Variable[], model: Model): Optimizer {
  const o = cfg.optim;
  return OPTIMIZERS[o.name].create(
    vars,
    model.params.map((p) => WEIGHT_ROLES.has(p.role)),
    {
      momentum: o.momentum,
      nesterov: o.nesterov,
      weightDecay: o.weight_decay,
      beta1: o.beta1,
      beta2: o.beta2,
      eps: o.eps,
      trust: o.trust,
    },
  );
}

/** The step's one read-back: loss, grad_norm, weights_check, skip_gain_abs_mean, then the clip counts per role. */
function stepOutput(
  loss: tf.Scalar,
  grads: tf.Tensor[],
  clip: ClipResult,
  vars: readonly tf.Variable[],
  skipGains: readonly tf.Variable[],
) {
  // 0·w is NaN exactly where w is NaN or ±Inf, so Σ 0·w is 0 iff every updated weight is finite (the EMA
  // averages finite weights; the evaluation's logits are checked on their own). One cheap pass, read back
  // with the loss: divergence is seen after every update, including the last. stepChecks gives it with the
  // skip gains' mean |g|, in one kernel on wasm.
  const skipCount = skipGains.reduce((n, v) => n + v.size, 0);
  const head = tf.concat([tf.stack([loss, globalNorm(grads)]), stepChecks(vars, skipGains)]);
  const counts = clip.clippedByRole?.counts.reshape([-1]);
  return {
    values: (counts ? tf.concat([head, counts]) : head) as tf.Tensor1D,
    roles: clip.clippedByRole?.roles ?? [],
    skipGains: skipCount > 0,
  };
}

/** Whether a step's values say every weight is finite after its update. */
export function weightsFinite(values: Float32Array | Int32Array | Uint8Array): boolean {
  return values[2] === 0;
}

/** Named metrics from a step's values: loss, grad_norm, skip_gain_abs_mean, clip_frac and clip_frac.<role>. */
export function stepMetrics(
  values: Float32Array | Int32Array | Uint8Array,
  roles: readonly string[],
  skipGains = false,
) {
  const metrics: Record<string, number> & { loss: number } = {
    loss: values[0] as number,
    grad_norm: values[1] as number,
  };
  if (skipGains) metrics.skip_gain_abs_mean = values[3] as number;
  if (roles.length) {
    let clipped = 0;
    let units = 0;
    roles.forEach((role, i) => {
      const c = values[4 + 2 * i] as number;
      const u = values[5 + 2 * i] as number;
      metrics[`clip_frac.${role}`] = u ? c / u : 0;
      clipped += c;
      units += u;
    });
    metrics.clip_frac = units ? clipped / units : 0;
  }
  return metrics;
}
