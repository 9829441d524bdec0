// Issue 14 items 7 and 8 (training side): divergence is checked after every update — the last included — and on
// the evaluation's logits, so no NaN reaches a stored result; a run that can make no step is refused at once
// instead of spinning in its epoch loop.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { Rng } from "../../src/core/base/random.js";
import { resolveConfig } from "../../src/core/config/resolve.js";
import { batches, type Dataset, evalBatches, loadDataset, type Split } from "../../src/core/data/index.js";
import { initBackend } from "../../src/core/engine/backend/backend.js";
import { tf } from "../../src/core/engine/tf.js";
import { buildModel, resolveModelSpec } from "../../src/core/models/index.js";
import { evaluate } from "../../src/core/train/evaluate.js";
import { batchGradient } from "../../src/core/train/gradients.js";
import { mixBatch, sampleBeta } from "../../src/core/train/mix.js";
import { planSteps } from "../../src/core/train/prepare.js";
import { trainRun } from "../../src/core/train/trainRun.js";
import { testBackend } from "../helpers.js";

let fashion: Dataset;
before(async () => {
  await initBackend(testBackend());
  fashion = await loadDataset({ name: "fashion-mnist", seed: 0 });
});

/** The probe of item 7: one step at an absurd learning rate without clipping. */
const PROBE = {
  data: { train_size: 2048 },
  train: { batch_size: 1024, steps: 1, micro_batch: 256 },
  optim: { warmup_epochs: 0, lr: 1e38 },
  agc: { lambda: null },
};

function allFiniteOrNull(result: object): void {
  for (const [k, v] of Object.entries(result)) {
    if (typeof v === "number") assert.ok(Number.isFinite(v), `${k} = ${v}`);
  }
}

describe("divergence after the last update (issue 14 item 7)", () => {
  it("the probe (lr 1e38, one step, no clipping) is diverged at step 1, not completed with top-1 10%", async () => {
    const evals: number[] = [];
    const r = await trainRun(resolveConfig(PROBE), fashion, { eval: (_s, _split, top1) => evals.push(top1) });
    assert.equal(r.status, "diverged");
    assert.equal(r.steps, 1);
    assert.match(r.reason ?? "", /non-finite weights after the update of step 1/);
    assert.equal(r.testTop1, null);
    assert.deepEqual(evals, [], "no evaluation of NaN weights is reported");
    allFiniteOrNull(r);
  });

  it("the same with an EMA of the weights (the averaged weights are never evaluated)", async () => {
    const r = await trainRun(resolveConfig({ ...PROBE, optim: { ...PROBE.optim, ema_decay: 0.9 } }), fashion);
    assert.equal(r.status, "diverged");
    assert.equal(r.steps, 1);
  });

  it("an earlier step's non-finite update ends the run at that step", async () => {
    const steps: number[] = [];
    const r = await trainRun(resolveConfig({ ...PROBE, train: { ...PROBE.train, steps: 5 } }), fashion, {
      step: (s) => steps.push(s),
    });
    assert.equal(r.status, "diverged");
    assert.equal(r.steps, 1);
    assert.deepEqual(steps, [0]);
  });

  it("evaluate flags non-finite logits (finite weights whose logits overflow)", () => {
    const model = buildModel(resolveModelSpec({ name: "nf-resnet-micro" }), {
      numClasses: 10,
      inputShape: [28, 28, 1],
      seed: 0,
    });
    const ok = evaluate(model, fashion, "test", 50);
    assert.equal(ok.finite, true);
    assert.equal(ok.n, 50);
    for (const p of model.params) {
      if (p.role === "classifier_weight") p.variable.assign(tf.fill(p.variable.shape, 3e38));
    }
    const bad = evaluate(model, fashion, "test", 50);
    assert.equal(bad.finite, false);
    model.dispose();
  });
});

/** A split of `size` blank 4×4 images. */
function blankSplit(size: number): Split {
  return {
    size,
    imageShape: [4, 4, 1],
    normalization: { mean: [0], std: [1] },
    read: () => ({ image: new Uint8Array(16), label: 0 }),
  } as unknown as Split;
}

describe("no loop spins without progress (issue 14 item 8)", () => {
  it("train_size 100 with batch 256: refused at once, naming both keys, before anything is built", async () => {
    // The config refuses it first (config/runnable.ts checkRunnable); the training loop refuses it too, for a
    // dataset whose size only shows once it is read.
    assert.throws(
      () => resolveConfig({ data: { train_size: 100 }, train: { batch_size: 256 } }),
      /train\.batch_size 256 is larger than the training split \(data\.train_size: 100 examples\)/,
    );
    const cfg = { ...resolveConfig({ train: { batch_size: 256 } }) };
    cfg.data = { ...cfg.data, train_size: 100 };
    assert.throws(() => planSteps(cfg, 100), /train\.batch_size 256 .*data\.train_size 100.*no optimizer step/);
    const tensors = tf.memory().numTensors;
    const t0 = performance.now();
    await assert.rejects(trainRun(cfg, fashion), /train\.batch_size 256 is larger than the training split/);
    assert.ok(performance.now() - t0 < 2000);
    assert.equal(tf.memory().numTensors, tensors, "nothing left allocated");
  });

  it("a split smaller than the batch (whole split): refused too", async () => {
    const cfg = resolveConfig({ train: { batch_size: 8 } });
    const tiny = { ...fashion, train: blankSplit(5), test: blankSplit(5), imageShape: [4, 4, 1] } as Dataset;
    await assert.rejects(trainRun(cfg, tiny), /no optimizer step can be made/);
  });

  it("an empty test split is an error before training, and evaluate refuses it", async () => {
    const empty = { ...fashion, train: blankSplit(16), test: blankSplit(0), imageShape: [4, 4, 1] } as Dataset;
    await assert.rejects(trainRun(resolveConfig({ train: { batch_size: 8 } }), empty), /test split has no example/);
    const model = buildModel(resolveModelSpec({ name: "nf-resnet-micro" }), {
      numClasses: 10,
      inputShape: [4, 4, 1],
      seed: 0,
    });
    assert.throws(() => evaluate(model, empty, "test", null), /test split has no example/);
    model.dispose();
  });

  it("the batch iterators refuse a batch size that cannot advance", () => {
    for (const batchSize of [0, -1, 0.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => batches(blankSplit(4), { batchSize }).next(), /batchSize must be a positive integer/);
      assert.throws(() => evalBatches(blankSplit(4), batchSize).next(), /batchSize must be a positive integer/);
    }
  });

  it("gradient accumulation refuses a micro-batch that cannot advance (micro 0 looped forever)", () => {
    const model = buildModel(resolveModelSpec({ name: "nf-resnet-micro" }), {
      numClasses: 10,
      inputShape: [4, 4, 1],
      seed: 0,
    });
    const vars = model.params.map((p) => p.variable);
    const x = tf.zeros([2, 4, 4, 1]) as tf.Tensor4D;
    const t = tf.zeros([2, 10]) as tf.Tensor2D;
    for (const micro of [0, -2, 0.5, Number.NaN]) {
      assert.throws(
        () => batchGradient(model, vars, x, t, { micro, smoothing: 0, seed: 0 }),
        /batchGradient: micro must be a positive integer/,
      );
    }
    const empty = tf.zeros([0, 4, 4, 1]) as tf.Tensor4D;
    assert.throws(
      () => batchGradient(model, vars, empty, tf.zeros([0, 10]) as tf.Tensor2D, { micro: 1, smoothing: 0, seed: 0 }),
      /batch has no example/,
    );
    tf.dispose([x, t, empty]);
    model.dispose();
  });

  it("MixUp/CutMix's Beta sampler refuses parameters its rejection loop would never accept", () => {
    for (const bad of [Number.NaN, 0, -1, Number.POSITIVE_INFINITY]) {
      assert.throws(() => sampleBeta(new Rng(0), bad, 1), /sampleBeta: a must be a finite number > 0/);
    }
    const x = tf.zeros([2, 4, 4, 1]) as tf.Tensor4D;
    const t = tf.zeros([2, 10]) as tf.Tensor2D;
    assert.throws(() => mixBatch(x, t, { mixup: Number.NaN, cutmix: 0 }, 0, 0), /mixBatch: mixup must be/);
    assert.throws(() => mixBatch(x, t, { mixup: 0, cutmix: 0 }, 0, 0), /mixup or cutmix must be > 0/);
    tf.dispose([x, t]);
  });
});
