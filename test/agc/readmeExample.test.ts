// The README's library example, run as written (through the package's entry point).
import assert from "node:assert/strict";
import { it } from "node:test";
import { agcClip, initBackend, tf, withAgc } from "../../src/index.js";

it("README library example runs and clips", async () => {
  await initBackend("auto");
  const w = tf.randomNormal([3, 3, 16, 32]);
  const g = tf.randomNormal([3, 3, 16, 32]);
  const clipped = agcClip(g, w, { lambda: 0.01, eps: 1e-3, granularity: "unit" });
  assert.ok(clipped.norm().dataSync()[0] < g.norm().dataSync()[0]);

  const images = tf.randomNormal([32, 784]);
  const labels = tf.oneHot(tf.randomUniform([32], 0, 10, "int32"), 10);
  const dense = tf.variable(tf.randomNormal([784, 10], 0, 0.01), true, "head/kernel");
  const optimizer = withAgc(tf.train.momentum(0.1, 0.9, true), {
    lambda: 0.01,
    granularity: "unit",
    roles: { "head/kernel": "classifier_weight" },
    exclude: ["classifier_weight"],
  });
  const before = dense.clone();
  optimizer.minimize(() => tf.losses.softmaxCrossEntropy(labels, images.matMul(dense)) as tf.Scalar);
  assert.ok(dense.sub(before).abs().max().dataSync()[0] > 0);
});
