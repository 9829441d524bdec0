// groupedConv2d against a reference built from per-group tf.conv2d on the cpu backend, forward and backward, for
// both formulations and on both backends.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { initBackend } from "../../src/core/engine/backend/backend.js";
import { groupedConv2d, groupedConv2dWith } from "../../src/core/engine/ops/groupedConv.js";
import { tf } from "../../src/core/engine/tf.js";
import { gradsOn, int, pick, randomData, relError, rng } from "./gradcheck.js";

/** Reference: an independent per-group loop with explicit slicing (not tf.split), so a shared bug cannot hide. */
function reference(x: tf.Tensor4D, w: tf.Tensor4D, strides: number, pad: "same" | "valid", groups: number) {
  const cg = x.shape[3] / groups;
  const og = w.shape[3] / groups;
  const outs: tf.Tensor4D[] = [];
  for (let g = 0; g < groups; g++) {
    const xg = tf.slice(x, [0, 0, 0, g * cg], [-1, -1, -1, cg]);
    const wg = tf.slice(w, [0, 0, 0, g * og], [-1, -1, -1, og]);
    outs.push(tf.conv2d(xg, wg, strides, pad));
  }
  return tf.concat(outs, 3);
}

describe("groupedConv2d", () => {
  before(async () => {
    await initBackend("wasm");
  });

  test("rejects channel counts that do not divide into groups", () => {
    const x = tf.zeros([1, 4, 4, 6]) as tf.Tensor4D;
    assert.throws(() => groupedConv2d(x, tf.zeros([3, 3, 2, 4]) as tf.Tensor4D, 1, "same", 4), /not divisible/);
    assert.throws(() => groupedConv2d(x, tf.zeros([3, 3, 2, 6]) as tf.Tensor4D, 1, "same", 2), /inputs per group/);
  });

  test("forward and gradients equal the per-group reference on cpu, for both formulations and backends", async () => {
    for (let seed = 1; seed <= 16; seed++) {
      const r = rng(seed);
      const groups = pick(r, [1, 2, 3, 4]);
      const cg = int(r, 1, 4);
      const og = int(r, 1, 3);
      const k = pick(r, [1, 3]);
      const strides = pick(r, [1, 2]);
      const pad = pick(r, ["same", "valid"] as const);
      const h = int(r, k, 9);
      const xs: [number, number, number, number] = [int(r, 1, 2), h, int(r, k, 9), cg * groups];
      const ws: [number, number, number, number] = [k, k, cg, og * groups];
      const inputs = [xs, ws].map((shape) => ({ data: randomData(r, shape), shape }));
      const label = `g=${groups} x=${xs} w=${ws} s=${strides} ${pad}`;
      const ref = await gradsOn(
        "cpu",
        (x, w) => reference(x as tf.Tensor4D, w as tf.Tensor4D, strides, pad, groups),
        inputs,
        seed,
      );
      for (const backend of ["cpu", "wasm"]) {
        await tf.setBackend(backend);
        for (const strategy of ["split", "blockDiagonal"] as const) {
          const f = (x: tf.Tensor, w: tf.Tensor) =>
            groupedConv2dWith(strategy, x as tf.Tensor4D, w as tf.Tensor4D, strides, pad, groups);
          const yRef = tf.tidy(() =>
            reference(
              tf.tensor4d(inputs[0]?.data as Float32Array, xs),
              tf.tensor4d(inputs[1]?.data as Float32Array, ws),
              strides,
              pad,
              groups,
            ).dataSync(),
          );
          const y = tf.tidy(() =>
            f(
              tf.tensor(inputs[0]?.data as Float32Array, xs),
              tf.tensor(inputs[1]?.data as Float32Array, ws),
            ).dataSync(),
          );
          assert.ok(relError(y as Float32Array, yRef as Float32Array) < 1e-5, `${label} ${strategy} ${backend} fwd`);
          const got = await gradsOn(backend, f, inputs, seed);
          got.forEach((gr, i) => {
            const err = relError(gr, ref[i] as Float32Array);
            assert.ok(err < 1e-4, `${label} ${strategy} on ${backend}: grad ${i} rel. error ${err.toExponential(2)}`);
          });
        }
      }
    }
  });
});
