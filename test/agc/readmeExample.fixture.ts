// The README's "## Library" example, verbatim but for `from "nfx"` (here the entry point, src/index.ts), so that
// tsc type-checks it; readmeExample.test.ts checks it matches the README and runs it. Edit both together.
import { agcClip, initBackend, tf, withAgc } from "../../src/index.js";

await initBackend("auto"); // tfjs-node-gpu → tfjs-node → wasm → cpu: the first that loads and passes a self-check

// AGC on one gradient (tfjs layouts: the unit is the last axis of a conv HWIO or dense [in, out] kernel).
const w = tf.randomNormal([3, 3, 16, 32]);
const g = tf.randomNormal([3, 3, 16, 32]);
const clipped = agcClip(g, w, { lambda: 0.01, eps: 1e-3, granularity: "unit" });

// AGC around any tfjs optimizer, with the classifier weight left unclipped as in the paper.
const images = tf.randomNormal([32, 784]);
const labels = tf.oneHot(tf.randomUniform([32], 0, 10, "int32"), 10);
const dense = tf.variable(tf.randomNormal([784, 10], 0, 0.01), true, "head/kernel");
const optimizer = withAgc(tf.train.momentum(0.1, 0.9, true), {
  lambda: 0.01,
  granularity: "unit",
  roles: { "head/kernel": "classifier_weight" },
  exclude: ["classifier_weight"],
});
optimizer.minimize(() => tf.losses.softmaxCrossEntropy(labels, images.matMul(dense)) as tf.Scalar);

// For readmeExample.test.ts to check the results.
export { clipped, dense, g, w };
