// Issue 14 item 6: the micro-batch split is an execution detail. Everything random in a step (dropout,
// stochastic-depth masks, crop/flip, MixUp/CutMix, SAM's subset) is keyed by (seed, step, example index in the
// logical batch), so one step of nfnet-micro at logical batch 64 gives the same loss and the same updated weights
// for every micro-batch, up to float summation order (≤ 1e-5 relative).
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { resolveConfig } from "../../src/core/config/resolve.js";
import { batches, type Dataset, loadDataset } from "../../src/core/data/index.js";
import { initBackend } from "../../src/core/engine/backend/backend.js";
import { tf } from "../../src/core/engine/tf.js";
import { exampleUniforms } from "../../src/core/models/exampleMasks.js";
import { buildModel, resolveModelSpec } from "../../src/core/models/index.js";
import { createTrainer } from "../../src/core/train/step.js";
import { testBackend } from "../helpers.js";

let data: Dataset;
before(async () => {
  await initBackend(testBackend());
  data = await loadDataset({ name: "fashion-mnist", seed: 0 });
});

/** One optimizer step (step index `step`) on the first logical batch; returns the loss and the updated weights. */
function oneStep(input: Parameters<typeof resolveConfig>[0], micro: number, step = 0) {
  const cfg = resolveConfig(input);
  const model = buildModel(resolveModelSpec(cfg.model), { numClasses: 10, inputShape: [28, 28, 1], seed: cfg.seed });
  const batch = batches(data.train, {
    batchSize: cfg.train.batch_size,
    seed: cfg.seed,
    augment: cfg.data.augment,
  }).next().value;
  assert.ok(batch);
  const trainer = createTrainer(cfg, model, 10, micro);
  const out = trainer.step(batch.x, batch.y, step, 0.4);
  const loss = out.values.dataSync()[0] as number;
  const weights = model.params.map((p) => Float32Array.from(p.variable.dataSync()));
  out.values.dispose();
  tf.dispose([batch.x, batch.y]);
  trainer.dispose();
  model.dispose();
  return { loss, weights };
}

/**
 * Largest |a − b| over a parameter, relative to that parameter's largest |b| floored at 1e-3 (AGC's ε): a
 * zero-initialised bias moved by 1e-8 in one step has only float cancellation noise left to compare (≈1e-13
 * absolute), which no split could make smaller.
 */
function maxRelDiff(a: Float32Array[], b: Float32Array[]): number {
  let worst = 0;
  a.forEach((t, i) => {
    const r = b[i] as Float32Array;
    let err = 0;
    let scale = 0;
    t.forEach((v, k) => {
      err = Math.max(err, Math.abs(v - (r[k] as number)));
      scale = Math.max(scale, Math.abs(r[k] as number));
    });
    worst = Math.max(worst, err / Math.max(scale, 1e-3));
  });
  return worst;
}

const PROBE = { model: { name: "nfnet-micro" }, train: { batch_size: 64 }, optim: { weight_decay: 0 } };

describe("micro-batch split (nfnet-micro, logical batch 64, one step)", () => {
  for (const [label, input] of [
    ["dropout 0.2 + stochastic depth 0.1 (the probe)", PROBE],
    [
      "with crop, flip, MixUp/CutMix and SAM",
      {
        ...PROBE,
        seed: 3,
        data: { augment: { crop: 2, flip: true, mixup: 0.2, cutmix: 1 } },
        optim: { weight_decay: 0, sam_rho: 0.05, sam_fraction: 0.3 },
      },
    ],
  ] as const) {
    it(`${label}: micro 64, 16, 24 and 5 give the same loss and weights (≤ 1e-5 relative)`, () => {
      const full = oneStep(input, 64);
      assert.ok(Number.isFinite(full.loss));
      for (const micro of [16, 24, 5]) {
        const split = oneStep(input, micro);
        const lossErr = Math.abs(split.loss - full.loss) / Math.abs(full.loss);
        assert.ok(lossErr <= 1e-5, `micro ${micro}: loss ${split.loss} vs ${full.loss} (rel ${lossErr})`);
        const wErr = maxRelDiff(split.weights, full.weights);
        assert.ok(wErr <= 1e-5, `micro ${micro}: updated weights differ by ${wErr} relative`);
      }
    });
  }

  it("the masks do act: another step index (another draw) changes the loss", () => {
    const a = oneStep(PROBE, 64, 0);
    const b = oneStep(PROBE, 64, 1);
    assert.notEqual(a.loss, b.loss);
  });
});

describe("per-example masks", () => {
  it("example i's draws depend only on (seed, i): any split of the batch reproduces them", () => {
    const whole = exampleUniforms(7, 0, 10, 3);
    const parts = [exampleUniforms(7, 0, 4, 3), exampleUniforms(7, 4, 5, 3), exampleUniforms(7, 9, 1, 3)];
    assert.deepEqual(
      Array.from(whole),
      parts.flatMap((p) => Array.from(p)),
    );
    assert.ok(whole.every((u) => u >= 0 && u < 1));
    assert.notDeepEqual(Array.from(exampleUniforms(8, 0, 10, 3)), Array.from(whole));
  });
});
