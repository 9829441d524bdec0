// A non-finite gradient (issue 27 item 11): AGC cannot scale a unit holding NaN or ±Inf, so it never passes one on
// silently — `nonFinite` `error` (default) throws an AgcNonFiniteError naming it, `zero` zeroes it, `keep` passes it
// on; both count it. nfx's trainer keeps it, and its divergence check ends the run.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { AgcNonFiniteError, AgcOptionsError, agcClip, clipGradients } from "../../src/core/agc/agc.js";
import { withAgc } from "../../src/core/agc/agcOptimizer.js";
import { resolveConfig } from "../../src/core/config/resolve.js";
import { initBackend } from "../../src/core/engine/backend/backend.js";
import { tf } from "../../src/core/engine/tf.js";
import { buildModel, resolveModelSpec } from "../../src/core/models/index.js";
import { createTrainer, weightsFinite } from "../../src/core/train/step.js";
import { testBackend } from "../helpers.js";

const INF = Number.POSITIVE_INFINITY;

before(async () => {
  await initBackend("cpu");
});

describe("agcClip on a non-finite gradient", () => {
  it("the probe agcClip([Inf,1,1,1], ones(4), λ 0.01, unit) throws, naming the count", () => {
    assert.throws(
      () => agcClip(tf.tensor1d([INF, 1, 1, 1]), tf.ones([4]), { lambda: 0.01, granularity: "unit" }),
      (e: unknown) =>
        e instanceof AgcNonFiniteError &&
        e.units === 1 &&
        e.total === 1 &&
        e.message ===
          'agcClip: grad [4]: 1 of 1 unit holds NaN or ±Inf in the gradient or the parameter, which AGC cannot scale; nonFinite: "zero" zeroes such units, "keep" passes them on',
    );
  });

  it("zero and keep: the probe gives [0,0,0,0] and [Inf,1,1,1]", () => {
    const g = tf.tensor1d([INF, 1, 1, 1]);
    const zero = agcClip(g, tf.ones([4]), { lambda: 0.01, granularity: "unit", nonFinite: "zero" });
    assert.deepEqual(Array.from(zero.dataSync()), [0, 0, 0, 0]);
    const keep = agcClip(g, tf.ones([4]), { lambda: 0.01, granularity: "unit", nonFinite: "keep" });
    assert.deepEqual(Array.from(keep.dataSync()), [INF, 1, 1, 1]);
  });

  it("per unit: only the non-finite unit is zeroed or kept, the others are clipped as usual (NaN, -Inf, a NaN weight)", () => {
    // Dense [2,3]: units are columns. Column 0 has a NaN gradient, column 1 a NaN weight, column 2 is finite.
    const W = tf.tensor2d([
      [3, Number.NaN, 3],
      [4, 1, 4],
    ]);
    const G = tf.tensor2d([
      [Number.NaN, 1, 6],
      [1, 1, 8],
    ]);
    const opts = { lambda: 0.1, granularity: "unit" } as const;
    assert.throws(
      () => agcClip(G, W, opts),
      /agcClip: grad \[2,3\]: 2 of 3 units hold NaN or ±Inf in the gradient or the parameter/,
    );
    const zero = agcClip(G, W, { ...opts, nonFinite: "zero" }).arraySync() as number[][];
    assert.deepEqual(
      zero.map((r) => r.slice(0, 2)),
      [
        [0, 0],
        [0, 0],
      ],
    );
    // Column 2: ‖W‖ 5, threshold 0.5, G [6,8] → [0.3, 0.4].
    assert.ok(Math.abs((zero[0]?.[2] as number) - 0.3) < 1e-6 && Math.abs((zero[1]?.[2] as number) - 0.4) < 1e-6);
    const keep = agcClip(G, W, { ...opts, nonFinite: "keep" }).arraySync() as number[][];
    assert.ok(Number.isNaN(keep[0]?.[0]) && keep[0]?.[1] === 1 && keep[1]?.[1] === 1);
    assert.throws(
      () => agcClip(tf.tensor1d([-INF]), tf.ones([1]), { lambda: 0.1, granularity: "layer" }),
      AgcNonFiniteError,
    );
  });

  it("refuses an unknown nonFinite, naming it", () => {
    assert.throws(
      () => agcClip(tf.ones([2]), tf.ones([2]), { lambda: 0.1, granularity: "unit", nonFinite: "skip" as "zero" }),
      (e: unknown) =>
        e instanceof AgcOptionsError && e.option === "nonFinite" && /must be one of error, zero, keep/.test(e.message),
    );
  });
});

// The test reads non-finiteness off the norms (NaN exactly where a slot holds NaN or ±Inf): IEEE arithmetic, the
// same on every backend; a finite slot whose norm overflows float32 is clipped, not flagged.
for (const backend of ["cpu", testBackend()] as const) {
  describe(`non-finite units seen on ${backend}`, () => {
    it("NaN, +Inf and −Inf in a gradient or a parameter are flagged; 3e38·ones(4) (norm past float32) is clipped", async () => {
      await initBackend(backend);
      const zero = { lambda: 0.01, granularity: "unit", nonFinite: "zero" } as const;
      for (const bad of [Number.NaN, INF, -INF]) {
        const W = tf.ones([3, 2]);
        const G = tf.tensor2d([bad, 1, 1, 1, 1, 1], [3, 2]);
        assert.deepEqual(
          Array.from(
            agcClip(G, W, zero)
              .dataSync()
              .filter((_, i) => i % 2 === 0),
          ),
          [0, 0, 0],
          `G ${bad}`,
        );
        const Wbad = tf.tensor2d([1, bad, 1, 1, 1, 1], [3, 2]);
        assert.deepEqual(
          Array.from(
            agcClip(tf.ones([3, 2]), Wbad, zero)
              .dataSync()
              .filter((_, i) => i % 2),
          ),
          [0, 0, 0],
          `W ${bad}`,
        );
        assert.equal(agcClip(tf.scalar(bad), tf.scalar(1), zero).dataSync()[0], 0, `scalar ${bad}`);
      }
      const huge = agcClip(tf.fill([4], 3e38), tf.ones([4]), { lambda: 0.01, granularity: "unit" }).dataSync();
      for (const v of huge) assert.ok(Math.abs(v - 0.01) < 1e-7, `${v}`);
      await initBackend("cpu");
    });
  });
}

describe("clipGradients on non-finite gradients", () => {
  const targets = () => [
    { value: tf.ones([3, 2]), role: "body_conv" as const },
    { value: tf.ones([4]), role: "bias" as const },
    { value: tf.ones([4]), role: "classifier_bias" as const },
  ];
  const grads = () => [tf.fill([3, 2], 10), tf.tensor1d([INF, 1, 1, 1]), tf.fill([4], 10)];

  it("unit, error (default): names the first non-finite gradient, its role and shape", () => {
    assert.throws(
      () => clipGradients(grads(), targets(), { lambda: 0.01, granularity: "unit" }),
      (e: unknown) =>
        e instanceof AgcNonFiniteError &&
        e.parameter === 1 &&
        e.role === "bias" &&
        /^clipGradients: gradient 1 \(bias\) \[4\]: 1 of 1 unit holds NaN or ±Inf/.test(e.message),
    );
  });

  it("unit, zero and keep: the others clipped as usual, the non-finite unit counted, not counted as clipped", () => {
    for (const mode of ["zero", "keep"] as const) {
      const r = clipGradients(grads(), targets(), { lambda: 0.01, granularity: "unit", nonFinite: mode });
      assert.deepEqual(r.clippedByRole?.roles, ["body_conv", "bias", "classifier_bias"]);
      assert.deepEqual(
        r.clippedByRole?.counts.arraySync(),
        [
          [2, 2],
          [0, 1],
          [1, 1],
        ],
        mode,
      );
      assert.deepEqual(Array.from(r.clippedByRole?.nonFinite.dataSync() ?? []), [0, 1, 0], mode);
      assert.deepEqual(
        Array.from((r.grads[1] as tf.Tensor).dataSync()),
        mode === "zero" ? [0, 0, 0, 0] : [INF, 1, 1, 1],
      );
      // The finite ones: each column ‖W‖ √3, threshold 0.01·√3, G 10·ones → 0.01 per entry; the bias 0.01·2/2 each.
      for (const v of (r.grads[0] as tf.Tensor).dataSync()) assert.ok(Math.abs(v - 0.01) < 1e-7);
      for (const v of (r.grads[2] as tf.Tensor).dataSync()) assert.ok(Math.abs(v - 0.01) < 1e-7);
    }
  });

  it("global: error by default; zero/keep clip the other gradients by their own global norm (they no longer pass untouched)", () => {
    assert.throws(
      () => clipGradients(grads(), targets(), { lambda: 1, granularity: "global" }),
      /clipGradients: gradient 1 \(bias\) \[4\] holds NaN or ±Inf \(1 of 3 gradients do\), which global clipping/,
    );
    for (const mode of ["zero", "keep"] as const) {
      const r = clipGradients(grads(), targets(), { lambda: 1, granularity: "global", nonFinite: mode });
      const finite = [r.grads[0], r.grads[2]].flatMap((g) => Array.from((g as tf.Tensor).dataSync()));
      assert.ok(Math.abs(Math.hypot(...finite) - 1) < 1e-6, `${mode}: finite gradients rescaled to norm λ = 1`);
      assert.deepEqual(r.clippedByRole?.counts.arraySync(), [[1, 1]]);
      assert.deepEqual(Array.from(r.clippedByRole?.nonFinite.dataSync() ?? []), [1]);
      assert.equal((r.grads[1] as tf.Tensor).dataSync()[0], mode === "zero" ? 0 : INF);
    }
  });

  it("an excluded role is neither clipped nor checked; clipping off checks nothing", () => {
    const r = clipGradients(grads(), targets(), { lambda: 0.01, granularity: "unit", exclude: ["bias"] });
    assert.equal((r.grads[1] as tf.Tensor).dataSync()[0], INF);
    const off = clipGradients(grads(), targets(), { lambda: null, granularity: "unit" });
    assert.equal(off.clippedByRole, null);
  });
});

describe("withAgc and nfx's trainer on a non-finite gradient", () => {
  it("withAgc throws by default and the wrapped optimizer does not step", () => {
    const v = tf.variable(tf.ones([2, 2]), true, "nonfinite_v");
    const opt = withAgc(tf.train.sgd(1), { lambda: 0.01, granularity: "unit" });
    assert.throws(
      () =>
        opt.applyGradients({
          nonfinite_v: tf.tensor2d([
            [Number.NaN, 1],
            [1, 1],
          ]),
        }),
      AgcNonFiniteError,
    );
    assert.deepEqual(Array.from(v.dataSync()), [1, 1, 1, 1]);
    const zeroing = withAgc(tf.train.sgd(1), { lambda: 0.01, granularity: "unit", nonFinite: "zero" });
    zeroing.applyGradients({
      nonfinite_v: tf.tensor2d([
        [Number.NaN, 1],
        [1, 1],
      ]),
    });
    const after = Array.from(v.dataSync());
    assert.equal(after[0], 1, "column 0 (non-finite) not updated");
    assert.ok(Math.abs((after[1] as number) - (1 - 0.01)) < 1e-6, "column 1 clipped to λ·‖W‖ = 0.01·√2 and stepped");
    v.dispose();
  });

  it("the trainer passes it on (no throw) and the step reports non-finite weights: trainRun ends the run diverged", () => {
    const cfg = resolveConfig({ model: { name: "nf-resnet-micro", widths: [8, 16, 32] }, agc: { lambda: 0.01 } });
    assert.equal(cfg.agc.granularity, "unit");
    const model = buildModel(resolveModelSpec(cfg.model), { numClasses: 10, inputShape: [8, 8, 1], seed: 1 });
    const pixels = tf.randomNormal([4, 8, 8, 1]).bufferSync();
    pixels.set(INF, 2, 3, 3, 0); // one pixel of one image: its forward pass and the batch's gradient overflow
    const x = pixels.toTensor() as tf.Tensor4D;
    const trainer = createTrainer(cfg, model, 10, 4);
    const out = trainer.step(x, tf.tensor1d([0, 1, 2, 3], "int32"), 0, 0.1);
    const values = out.values.dataSync();
    assert.equal(Number.isFinite(values[0]), false, "the loss is not finite");
    assert.equal(weightsFinite(values), false, "the step says the weights are not finite (trainRun: diverged)");
    trainer.dispose();
    model.dispose();
  });
});
