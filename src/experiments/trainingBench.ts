// Training-step benchmarks on real models: the whole optimizer step (gradient, AGC, weight decay, SGD) as nfx runs
// it, for `nfx bench training`. Built on the engine's model-agnostic bench core.
import { resolveConfig } from "../core/config/resolve.js";
import type { BenchCase } from "../core/engine/bench/bench.js";
import { type PhaseClock, profilePhases, type StepProfile } from "../core/engine/bench/phaseProfile.js";
import { tf } from "../core/engine/tf.js";
import { buildModel, countModel, resolveModelSpec } from "../core/models/index.js";
import { calibrate } from "../core/train/microBatch.js";
import { createTrainer } from "../core/train/step.js";

export interface StepCaseOptions {
  model: string;
  px: number;
  channels: number;
  batch: number;
  micro: number;
  /** AGC granularity: `unit` (the paper's) or `none` (to measure AGC's cost). */
  agc: "unit" | "none";
  /** Progress within the logical batch. */
  onMicroBatch?: (done: number, total: number) => void;
}

/** One optimizer step of a logical batch computed in micro-batches. */
export function trainStepCase(o: StepCaseOptions): BenchCase {
  const c = stepSetup(o);
  return { ...c, setup: () => c.setup().timed };
}

/** The same step, profiled by phase (engine/bench/phaseProfile.ts): `steps` timed steps after 2 warm-up ones. */
export async function profileTrainStep(o: StepCaseOptions, steps: number): Promise<StepProfile> {
  const { profiled, timed } = stepSetup(o).setup();
  try {
    return await profilePhases(profiled, { steps, warmup: 2 });
  } finally {
    timed.dispose();
  }
}

function stepSetup(o: StepCaseOptions) {
  const spec = resolveModelSpec({ name: o.model });
  // The model's own head (10 classes for the CPU-scale rows, 1000 for the ImageNet ones).
  const classes = spec.numClasses;
  const { macs } = countModel(spec, { px: o.px, inChannels: o.channels, numClasses: classes });
  const cfg = resolveConfig({
    model: { name: o.model },
    train: { batch_size: o.batch, micro_batch: o.micro },
    agc: o.agc === "none" ? { granularity: "none" } : { granularity: "unit", lambda: 0.01 },
  });
  return {
    name: `${o.model} ${o.px}px step B=${o.batch} micro=${o.micro} agc=${o.agc}`,
    kind: "step" as const,
    flops: 3 * 2 * macs * o.batch, // forward + two backward convolutions per layer
    images: o.batch,
    setup: () => {
      const model = buildModel(spec, { numClasses: classes, inputShape: [o.px, o.px, o.channels], seed: 0 });
      const trainer = createTrainer(cfg, model, classes, o.micro, o.onMicroBatch);
      const x = tf.randomNormal([o.batch, o.px, o.px, o.channels], 0, 1, "float32", 1) as tf.Tensor4D;
      const y = tf.tensor1d(
        Array.from({ length: o.batch }, (_, i) => i % classes),
        "int32",
      );
      let step = 0;
      const timed = {
        run: () => trainer.step(x, y, step++, 0.01).values,
        dispose: () => {
          x.dispose();
          y.dispose();
          trainer.dispose();
          model.dispose();
        },
      };
      return { timed, profiled: (clock: PhaseClock) => trainer.step(x, y, step++, 0.01, clock).values };
    },
  };
}

/** The micro-batch calibration nfx's `auto` uses, run now on the current backend. */
export async function calibrateMicro(model: string, px: number, channels: number, maxMicro: number) {
  const m = buildModel(resolveModelSpec({ name: model }), { numClasses: 10, inputShape: [px, px, channels], seed: 0 });
  try {
    return (await calibrate(m, [px, px, channels], 10, maxMicro)).measured;
  } finally {
    m.dispose();
  }
}
