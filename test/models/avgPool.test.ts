// The NFNet shortcut's 2×2/2 'SAME' average pool: each output is the mean of its window's in-image pixels, and each
// pixel's gradient is dy / (in-image pixels of its window), as hk.avg_pool computes and differentiates it. tfjs's
// avgPool(…, "same") gets the forward right but spreads edge windows' gradients over 4 pixels (see avgPool.ts).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type BackendName, initBackend } from "../../src/core/engine/backend/backend.js";
import { tf } from "../../src/core/engine/tf.js";
import { avgPool2x2Same } from "../../src/core/models/avgPool.js";

/** The pool and the gradient of Σ c·pool (c: a fixed random cotangent) written out pixel by pixel. */
function reference(x: Float32Array, c: Float32Array, [n, h, w, ch]: number[]) {
  const oh = Math.ceil(h / 2);
  const ow = Math.ceil(w / 2);
  const y = new Float64Array(n * oh * ow * ch);
  const dx = new Float64Array(x.length);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let k = 0; k < ch; k++) {
          const pix: number[] = [];
          for (const r of [2 * i, 2 * i + 1])
            for (const s of [2 * j, 2 * j + 1]) if (r < h && s < w) pix.push(((b * h + r) * w + s) * ch + k);
          const o = ((b * oh + i) * ow + j) * ch + k;
          y[o] = pix.reduce((a, p) => a + (x[p] as number), 0) / pix.length;
          for (const p of pix) dx[p] = (dx[p] as number) + (c[o] as number) / pix.length;
        }
  return { y, dx };
}

describe("avgPool2x2Same", () => {
  for (const backend of ["cpu", "wasm"] as BackendName[]) {
    for (const shape of [
      [2, 7, 5, 3],
      [1, 6, 4, 2],
      [1, 1, 3, 1],
    ]) {
      it(`${backend}, [${shape}]: the in-image mean and its exact gradient`, async () => {
        await initBackend(backend);
        const [n, h, w, ch] = shape as [number, number, number, number];
        const x = tf.randomNormal([n, h, w, ch], 0, 1, "float32", 5) as tf.Tensor4D;
        const c = tf.randomNormal([n, Math.ceil(h / 2), Math.ceil(w / 2), ch], 0, 1, "float32", 6);
        const y = avgPool2x2Same(x);
        const dx = tf.grad((t: tf.Tensor) =>
          avgPool2x2Same(t as tf.Tensor4D)
            .mul(c)
            .sum(),
        )(x);
        const want = reference(x.dataSync() as Float32Array, c.dataSync() as Float32Array, shape);
        assert.deepEqual(y.shape, [n, Math.ceil(h / 2), Math.ceil(w / 2), ch]);
        const close = (got: ArrayLike<number>, exp: ArrayLike<number>, what: string) => {
          assert.equal(got.length, exp.length);
          for (let i = 0; i < exp.length; i++) {
            assert.ok(
              Math.abs((got[i] as number) - (exp[i] as number)) <= 1e-6,
              `${what}[${i}]: ${got[i]} vs ${exp[i]}`,
            );
          }
        };
        close(y.dataSync(), want.y, "pool");
        close(dx.dataSync(), want.dx, "gradient");
        tf.dispose([x, c, y, dx]);
      });
    }
  }
});
