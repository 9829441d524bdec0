// Weight standardization's hand-written gradient equals autodiff through the plain formula (PAPER.md):
//   Ŵ = gain · (W − mean) / sqrt(max(N·var, 1e-4)), per output channel over axes (0,1,2).
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { initBackend } from "../../src/core/engine/backend/backend.js";
import { tf } from "../../src/core/engine/tf.js";
import { standardizeWeight, WS_EPS } from "../../src/core/models/wsConv.js";
import { int, randomData, relError, rng } from "../engine/gradcheck.js";

function reference(w: tf.Tensor4D, gain: tf.Tensor1D): tf.Tensor4D {
  const fanIn = w.shape[0] * w.shape[1] * w.shape[2];
  const { mean, variance } = tf.moments(w, [0, 1, 2], true);
  return tf.mul(tf.div(tf.sub(w, mean), tf.sqrt(tf.maximum(tf.mul(variance, fanIn), WS_EPS))), gain) as tf.Tensor4D;
}

describe("standardizeWeight (custom gradient)", () => {
  before(async () => {
    await initBackend("wasm");
  });

  for (const backend of ["cpu", "wasm"]) {
    test(`value and gradients match autodiff of the formula on ${backend}, incl. a constant channel (ε floor)`, async () => {
      await tf.setBackend(backend);
      for (let seed = 1; seed <= 12; seed++) {
        const r = rng(seed);
        const shape: [number, number, number, number] = [int(r, 1, 3), int(r, 1, 3), int(r, 1, 6), int(r, 2, 6)];
        const data = randomData(r, shape);
        // Output channel 0 constant: N·var = 0 < ε, where the gradient through var must vanish.
        for (let i = 0; i < data.length; i += shape[3]) data[i] = 0.25;
        const w = tf.tensor4d(data, shape);
        const gain = tf.tensor1d(randomData(r, [shape[3]]));
        const probe = tf.tensor4d(randomData(r, shape), shape);
        const loss = (f: typeof reference) => (a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.mul(f(a as tf.Tensor4D, b as tf.Tensor1D), probe)) as tf.Scalar;
        const mine = tf.grads(loss(standardizeWeight))([w, gain]);
        const ref = tf.grads(loss(reference))([w, gain]);
        const value = relError(
          standardizeWeight(w, gain).dataSync() as Float32Array,
          reference(w, gain).dataSync() as Float32Array,
        );
        assert.ok(value < 1e-5, `seed ${seed} value differs by ${value}`);
        for (const [i, name] of ["dW", "dgain"].entries()) {
          const err = relError(mine[i]?.dataSync() as Float32Array, ref[i]?.dataSync() as Float32Array);
          assert.ok(err < 1e-4, `seed ${seed} ${shape}: ${name} differs from autodiff by ${err.toExponential(2)}`);
        }
      }
    });
  }

  test("keeps no weight-sized intermediates alive for the backward pass", async () => {
    await tf.setBackend("wasm");
    const w = tf.variable(tf.randomNormal([3, 3, 64, 64]));
    const gain = tf.variable(tf.ones([64]));
    // Data buffers the forward pass leaves allocated (all held for the backward pass inside variableGrads).
    // Buffers, not tf.memory().numBytes: that counts a clone twice although nfx's wasm Identity shares its data.
    const buffers = () => (tf.memory() as { numDataBuffers: number }).numDataBuffers;
    const heldByForward = (f: (a: tf.Tensor4D, b: tf.Tensor1D) => tf.Tensor4D): number => {
      let held = 0;
      const { grads, value } = tf.variableGrads(() => {
        const before = buffers();
        const out = f(w as unknown as tf.Tensor4D, gain as unknown as tf.Tensor1D);
        held = buffers() - before;
        return tf.sum(out) as tf.Scalar;
      }, [w, gain]);
      tf.dispose([value, ...Object.values(grads)]);
      return held;
    };
    const mine = heldByForward(standardizeWeight);
    const autodiff = heldByForward(reference);
    assert.equal(mine, 1, "custom gradient: only Ŵ is held after the forward pass");
    assert.ok(autodiff >= 4, `autodiff holds ${autodiff} buffers`);
  });
});
