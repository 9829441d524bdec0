// Issue 5: the training loop — divergence is a result, runs are reproducible, the recipe's options run.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { Rng } from "../../src/core/base/random.js";
import { resolveConfig } from "../../src/core/config/resolve.js";
import { type Dataset, loadDataset } from "../../src/core/data/index.js";
import { initBackend } from "../../src/core/engine/backend/backend.js";
import { tf } from "../../src/core/engine/tf.js";
import { mixBatch, sampleBeta } from "../../src/core/train/mix.js";
import { lrAt } from "../../src/core/train/schedule.js";
import { trainRun } from "../../src/core/train/trainRun.js";
import { testBackend } from "../helpers.js";

let data: Dataset;
before(async () => {
  await initBackend(testBackend());
  data = await loadDataset({ name: "synthetic", seed: 0 });
});

function losses(cfg: Parameters<typeof resolveConfig>[0]) {
  const out: number[] = [];
  const tensors: number[] = [];
  return {
    out,
    tensors,
    reporter: {
      step: (_: number, m: Record<string, number>) => {
        out.push(m.loss as number);
        tensors.push(tf.memory().numTensors);
      },
    },
    cfg: resolveConfig(cfg),
  };
}

describe("training loop", () => {
  it("stores divergence as a result: large batch + high LR without clipping diverges, AGC λ=0.01 trains", async () => {
    const base = {
      data: { name: "synthetic", train_size: 2048, test_size: 500 },
      train: { batch_size: 256, steps: 30, micro_batch: 128 },
      optim: { lr: 2, warmup_epochs: 0 },
    };
    const free = losses({ ...base, agc: { lambda: null } });
    const r1 = await trainRun(free.cfg, data, free.reporter);
    assert.equal(r1.status, "diverged");
    assert.match(r1.reason ?? "", /loss .* at step \d+/);
    assert.equal(r1.testTop1, null);

    const clipped = losses({ ...base, agc: { lambda: 0.01 } });
    const r2 = await trainRun(clipped.cfg, data, clipped.reporter);
    assert.equal(r2.status, "completed");
    assert.equal(r2.steps, 30);
    const first = clipped.out[0] as number;
    const last = clipped.out.at(-1) as number;
    assert.ok(last < first - 0.3, `loss should fall: ${first} → ${last}`);
    assert.ok((r2.testTop1 ?? 0) > 0.3, `test top-1 ${r2.testTop1} well above chance (0.1)`);
  });

  it("is reproducible bit for bit for a seed and backend, and leaks no tensors", async () => {
    const cfg = {
      seed: 4,
      data: { name: "synthetic", train_size: 256, test_size: 64, augment: { crop: 2, flip: true, mixup: 0.2 } },
      train: { batch_size: 32, steps: 8, micro_batch: 16 },
      model: { name: "nf-resnet-micro", dropout: 0.2 },
    };
    const before = tf.memory().numTensors;
    const a = losses(cfg);
    const b = losses(cfg);
    await trainRun(a.cfg, data, a.reporter);
    await trainRun(b.cfg, data, b.reporter);
    assert.deepEqual(a.out, b.out);
    assert.equal(new Set(a.tensors).size, 1, `tensor count constant across steps: ${a.tensors.join(",")}`);
    assert.equal(tf.memory().numTensors, before, "a finished run frees everything");
    const c = losses({ ...cfg, seed: 5 });
    await trainRun(c.cfg, data, c.reporter);
    assert.notDeepEqual(c.out, a.out);
  });

  it("runs EMA, SAM and CutMix to finite losses", async () => {
    const run = losses({
      data: { name: "synthetic", train_size: 256, test_size: 64, augment: { cutmix: 1 } },
      train: { batch_size: 32, steps: 4, micro_batch: 32 },
      optim: { ema_decay: 0.9, sam_rho: 0.05, sam_fraction: 0.25 },
    });
    const r = await trainRun(run.cfg, data, run.reporter);
    assert.equal(r.status, "completed");
    assert.ok(run.out.every(Number.isFinite));
    assert.ok(r.testTop1 !== null);
  });
});

describe("recipe pieces", () => {
  it("LR: linear warmup from 0 to base·B/256 at step W, then cosine to 0 (official WarmupCosineDecay)", () => {
    // Issue 25 moved the warmup one step back (step s runs at peak·s/W): lrAt(9) was the peak 0.4, now 0.36.
    const o = { base: 0.1, batchSize: 1024, warmupSteps: 10, totalSteps: 110, kind: "cosine" as const };
    assert.equal(lrAt(0, o), 0);
    assert.ok(Math.abs(lrAt(9, o) - 0.36) < 1e-12);
    assert.ok(Math.abs(lrAt(10, o) - 0.4) < 1e-12);
    assert.ok(Math.abs(lrAt(4, o) - 0.16) < 1e-12);
    assert.ok(Math.abs(lrAt(60, o) - 0.2) < 1e-12);
    assert.ok(lrAt(109, o) < 1e-3);
    assert.throws(() => lrAt(110, o), RangeError);
  });

  it("MixUp/CutMix keep targets a distribution and Beta draws in (0,1) with the right mean", () => {
    const rng = new Rng(1);
    const draws = Array.from({ length: 4000 }, () => sampleBeta(rng, 0.4, 0.4));
    assert.ok(draws.every((d) => d > 0 && d < 1));
    const mean = draws.reduce((s, d) => s + d, 0) / draws.length;
    assert.ok(Math.abs(mean - 0.5) < 0.03, `Beta(a,a) mean ≈ 0.5, got ${mean}`);
    const x = tf.randomNormal([6, 8, 8, 1]) as tf.Tensor4D;
    const t = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 5], "int32"), 10).toFloat() as tf.Tensor2D;
    for (const opts of [
      { mixup: 0.2, cutmix: 0 },
      { mixup: 0, cutmix: 1 },
    ]) {
      const m = mixBatch(x, t, opts, 0, 3);
      const sums = m.targets.sum(1).dataSync();
      for (const s of sums) assert.ok(Math.abs(s - 1) < 1e-6);
      assert.deepEqual(m.x.shape, x.shape);
    }
  });
});
