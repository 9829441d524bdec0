// Issue 9: a logical batch computed in micro-batches gives exactly the full-batch gradient on an NF model, and
// AGC clips the accumulated gradient once — not each micro-batch.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { agcClip } from "../../src/core/agc/agc.js";
import { resolveConfig } from "../../src/core/config/resolve.js";
import { initBackend } from "../../src/core/engine/backend/backend.js";
import { tf } from "../../src/core/engine/tf.js";
import { buildModel, resolveModelSpec } from "../../src/core/models/index.js";
import { batchGradient } from "../../src/core/train/gradients.js";
import { calibrate } from "../../src/core/train/microBatch.js";
import { createTrainer } from "../../src/core/train/step.js";
import { testBackend } from "../helpers.js";

const SHAPE: [number, number, number] = [8, 8, 1];
// A narrow nf-resnet-micro: the same blocks, few channels, so that the pure-JS cpu backend computes a batch of
// 256 in seconds.
const NARROW = { name: "nf-resnet-micro", widths: [8, 16, 32], stem: [{ width: 8, kernel: 3, stride: 1 }] };

function maxRelError(a: tf.Tensor[], b: tf.Tensor[]): number {
  let err = 0;
  let scale = 0;
  a.forEach((t, i) => {
    const x = t.dataSync();
    const y = (b[i] as tf.Tensor).dataSync();
    x.forEach((v, k) => {
      err = Math.max(err, Math.abs(v - (y[k] as number)));
      scale = Math.max(scale, Math.abs(y[k] as number));
    });
  });
  return err / scale;
}

function data(n: number) {
  const x = tf.randomNormal([n, ...SHAPE], 0, 1, "float32", 11) as tf.Tensor4D;
  const y = tf.tensor1d(
    Array.from({ length: n }, (_, i) => (i * 7) % 10),
    "int32",
  );
  return { x, y, targets: tf.oneHot(y, 10).toFloat() as tf.Tensor2D };
}

for (const backend of ["cpu", testBackend()] as const) {
  describe(`gradient accumulation on ${backend}`, () => {
    it("micro-batches of 32 give the full-batch gradient of a logical batch of 256 (rel. error < 1e-4)", async () => {
      await initBackend(backend);
      const model = buildModel(resolveModelSpec({ ...NARROW, dropout: 0, stoch_depth: 0 }), {
        numClasses: 10,
        inputShape: SHAPE,
        seed: 3,
      });
      // Non-zero skip gains so that every residual branch contributes to the gradient.
      for (const p of model.params) if (p.role === "skip_gain") p.variable.assign(tf.scalar(0.7));
      const vars = model.params.map((p) => p.variable);
      const { x, targets } = data(256);
      tf.tidy(() => {
        const full = batchGradient(model, vars, x, targets, { micro: 256, smoothing: 0.1, seed: 0 });
        const micro = batchGradient(model, vars, x, targets, { micro: 32, smoothing: 0.1, seed: 0 });
        const err = maxRelError(micro.grads, full.grads);
        assert.ok(err < 1e-4, `max error relative to the largest component: ${err}`);
        assert.ok(Math.abs((micro.loss.dataSync()[0] as number) - (full.loss.dataSync()[0] as number)) < 1e-5);
        // A micro-batch that does not divide the batch: the smaller last one is weighted by its size.
        const uneven = batchGradient(model, vars, x, targets, { micro: 48, smoothing: 0.1, seed: 0 });
        assert.ok(maxRelError(uneven.grads, full.grads) < 1e-4);
      });
      model.dispose();
    });
  });
}

describe("AGC acts on the accumulated gradient", () => {
  it("equals clipping the full-batch gradient, and differs from clipping each micro-batch", async () => {
    await initBackend(testBackend());
    const cfg = resolveConfig({
      model: NARROW,
      train: { batch_size: 128, label_smoothing: 0 },
      optim: { momentum: 0, weight_decay: 0 },
      agc: { lambda: 0.001, granularity: "unit", exclude: [] },
    });
    const { x, y, targets } = data(128);
    const lr = 0.5;
    const build = () => buildModel(resolveModelSpec(cfg.model), { numClasses: 10, inputShape: SHAPE, seed: 5 });
    // nfx's step with micro-batches of 32.
    const m = build();
    const before = m.params.map((p) => p.variable.clone());
    const trainer = createTrainer(cfg, m, 10, 32);
    trainer.step(x, y, 0, lr).values.dispose();
    const delta = m.params.map((p, i) => p.variable.sub(before[i] as tf.Tensor));
    // The two candidate algorithms, computed by hand on a fresh copy of the same initial weights.
    const ref = build();
    const vars = ref.params.map((p) => p.variable);
    const clipOne = (g: tf.Tensor, i: number) =>
      agcClip(g, vars[i] as tf.Tensor, { lambda: 0.001, granularity: "unit" }).mul(-lr);
    const accumulated = tf.tidy(() =>
      batchGradient(ref, vars, x, targets, { micro: 128, smoothing: 0, seed: 0 }).grads.map(clipOne),
    );
    const perMicro = tf.tidy(() => {
      const parts = [0, 32, 64, 96].map((s) =>
        batchGradient(ref, vars, x.slice(s, 32), targets.slice(s, 32), { micro: 32, smoothing: 0, seed: 0 }).grads.map(
          clipOne,
        ),
      );
      return vars.map((_, i) => tf.addN(parts.map((p) => p[i] as tf.Tensor)).div(4));
    });
    const errAccumulated = maxRelError(delta, accumulated);
    const errPerMicro = maxRelError(delta, perMicro);
    assert.ok(errAccumulated < 1e-4, `update vs clip(accumulated): ${errAccumulated}`);
    assert.ok(errPerMicro > 1e-2, `update vs mean of per-micro-batch clips should differ: ${errPerMicro}`);
    trainer.dispose();
    m.dispose();
    ref.dispose();
  });

  it("peak memory of a step follows the micro-batch, not the logical batch (model-sized copies freed as it goes)", async () => {
    await initBackend(testBackend());
    // The full-width micro model: its parameters (≈1 MB) outweigh an 8-image micro-batch's activations.
    const cfg = resolveConfig({
      model: { name: "nf-resnet-micro" },
      train: { batch_size: 256 },
      agc: { lambda: 0.01 },
    });
    const m = buildModel(resolveModelSpec(cfg.model), { numClasses: 10, inputShape: SHAPE, seed: 5 });
    const paramBytes = m.params.reduce((a, p) => a + p.variable.size * 4, 0);
    const peakOf = async (logical: number) => {
      const { x, y, targets } = data(logical);
      const trainer = createTrainer(cfg, m, 10, 8);
      trainer.step(x, y, 0, 0.01).values.dispose(); // first call: kernel set-up
      const before = tf.memory().numBytes;
      const info = await tf.profile(() => trainer.step(x, y, 1, 0.01).values.dispose());
      trainer.dispose();
      tf.dispose([x, y, targets]);
      return info.peakBytes - before;
    };
    const one = await peakOf(8);
    const many = await peakOf(256);
    // 32 micro-batches: if gradients piled up per micro-batch, the peak would grow by ~31 model copies. The
    // logical batch's own input and one-hot targets (256 images) are the only thing allowed to grow.
    const inputBytes = 256 * (SHAPE[0] * SHAPE[1] * SHAPE[2] + 10 + 1) * 4 * 2;
    assert.ok(
      many < one + paramBytes + inputBytes,
      `peak ${(many / 1e6).toFixed(1)} MB at logical 256 vs ${(one / 1e6).toFixed(1)} MB at 8 (model ${(paramBytes / 1e6).toFixed(2)} MB)`,
    );
    m.dispose();
  });

  it("calibration measures each micro-batch's images/s and its peak tensor memory, which grows with it", async () => {
    await initBackend(testBackend());
    const m = buildModel(resolveModelSpec(NARROW), { numClasses: 10, inputShape: SHAPE, seed: 5 });
    const { measured } = await calibrate(m, SHAPE, 10, 32);
    assert.deepEqual(
      measured.map((c) => c.micro),
      [8, 16, 32].slice(0, measured.length),
    );
    for (const c of measured) assert.ok(c.imagesPerS > 0 && c.peakBytes > 0, JSON.stringify(c));
    for (let i = 1; i < measured.length; i++) {
      assert.ok(
        (measured[i]?.peakBytes ?? 0) > (measured[i - 1]?.peakBytes ?? 0),
        `peak memory grows with the micro-batch: ${JSON.stringify(measured)}`,
      );
    }
    m.dispose();
  });
});
