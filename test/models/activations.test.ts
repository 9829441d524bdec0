// GELU's hand-written gradient equals autodiff through the tanh formula, and holds only its output.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { initBackend } from "../../src/core/engine/backend/backend.js";
import { tf } from "../../src/core/engine/tf.js";
import { ACTIVATION_GAMMA, activate } from "../../src/core/models/activations.js";
import { randomData, relError, rng } from "../engine/gradcheck.js";

function geluFormula(x: tf.Tensor): tf.Tensor {
  const inner = tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), Math.sqrt(2 / Math.PI));
  return tf.mul(tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1)), ACTIVATION_GAMMA.gelu);
}

describe("gelu (custom gradient)", () => {
  before(async () => {
    await initBackend("wasm");
  });

  for (const backend of ["cpu", "wasm"]) {
    test(`value and gradient match autodiff of the tanh formula on ${backend}`, async () => {
      await tf.setBackend(backend);
      const r = rng(3);
      // Wide range: the tails (|x| up to ~12) are where a wrong derivative of tanh shows.
      const x = tf.tensor1d(Array.from(randomData(r, [4003]), (v) => v * 4));
      const probe = tf.tensor1d(randomData(r, [4003])); // 4003: the fused kernel does 4 values at a time
      const mine = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(activate(a, "gelu", true), probe)))(x);
      const ref = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(geluFormula(a), probe)))(x);
      const v = relError(
        activate(x, "gelu", true).dataSync() as Float32Array,
        geluFormula(x).dataSync() as Float32Array,
      );
      assert.ok(v < 1e-5, `value differs by ${v}`);
      const g = relError(mine.dataSync() as Float32Array, ref.dataSync() as Float32Array);
      assert.ok(g < 1e-4, `gradient differs from autodiff by ${g.toExponential(2)}`);
    });
  }

  test("the forward pass leaves only the output allocated (autodiff kept ~7 activation copies)", async () => {
    await tf.setBackend("wasm");
    const x = tf.variable(tf.randomNormal([64, 1024]));
    // Data buffers, not tf.memory().numBytes: that counts a clone twice although nfx's wasm Identity shares data.
    const buffers = () => (tf.memory() as { numDataBuffers: number }).numDataBuffers;
    let held = 0;
    const { value, grads } = tf.variableGrads(() => {
      const before = buffers();
      const y = activate(x, "gelu", false);
      held = buffers() - before;
      return tf.sum(y) as tf.Scalar;
    }, [x]);
    tf.dispose([value, ...Object.values(grads)]);
    assert.equal(held, 1, "gelu's forward holds only its output");
  });
});
