import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { withAgc } from "../../src/core/agc/agcOptimizer.js";
import { initBackend } from "../../src/core/engine/backend/backend.js";
import { tf } from "../../src/core/engine/tf.js";

before(async () => {
  await initBackend("cpu");
});

describe("withAgc(optimizer)", () => {
  it("clips before the wrapped optimizer steps, and leaves excluded roles alone", () => {
    const w = tf.variable(tf.tensor2d([[3], [4]]), true, "agcopt_w"); // ‖w‖ = 5
    const c = tf.variable(tf.tensor2d([[3], [4]]), true, "agcopt_c");
    const opt = withAgc(tf.train.sgd(1), {
      lambda: 0.01,
      granularity: "unit",
      roles: { agcopt_c: "classifier_weight" },
      exclude: ["classifier_weight"],
    });
    // loss = 10·sum(w) + 10·sum(c): gradient 10 per entry, ‖g‖ = 10√2 ≫ 0.01·5.
    opt.minimize(() => w.sum().mul(10).add(c.sum().mul(10)) as tf.Scalar, false, [w, c]);
    const dw = tf
      .tensor2d([[3], [4]])
      .sub(w)
      .dataSync();
    const stepNorm = Math.hypot(dw[0] as number, dw[1] as number);
    assert.ok(Math.abs(stepNorm - 0.05) < 1e-6, `clipped step norm ${stepNorm} = λ·‖w‖ = 0.05`);
    assert.deepEqual(Array.from(c.dataSync()), [3 - 10, 4 - 10], "excluded variable took the raw step");
    opt.dispose();
    w.dispose();
    c.dispose();
  });
});
