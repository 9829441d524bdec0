// nfx's heap-copy Tile on wasm (wasmTile.ts) must give the cpu backend's tf.tile element for element: random ranks
// 1–6, shapes, repetitions (0 and 1 included) and dtypes, plus the long rows that take the copyWithin path and the
// broadcasts tfjs builds from Tile (tf.where, FusedBatchNorm's gradient).
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { initBackend } from "../../src/core/engine/backend/backend.js";
import { tf } from "../../src/core/engine/tf.js";
import { int, pick, randomData, relError, rng } from "./gradcheck.js";

const onBoth = async (f: () => tf.Tensor): Promise<[tf.Tensor, tf.Tensor]> => {
  await tf.setBackend("cpu");
  const c = f();
  await tf.setBackend("wasm");
  return [f(), c];
};

async function assertSameTile(data: number[], shape: number[], dtype: tf.DataType, reps: number[], label: string) {
  const [w, c] = await onBoth(() => tf.tile(tf.tensor(data, shape, dtype), reps));
  assert.deepEqual(w.shape, c.shape, `${label}: shape`);
  assert.equal(w.dtype, c.dtype, `${label}: dtype`);
  assert.deepEqual(Array.from(w.dataSync()), Array.from(c.dataSync()), `${label}: values`);
  tf.dispose([w, c]);
}

describe("wasm Tile (replaced by heap copies) matches the cpu backend", () => {
  before(async () => {
    await initBackend("wasm");
  });

  test("replaces wasm's own Tile kernel", () => {
    const kernel = tf.getKernel("Tile", "wasm");
    assert.ok(kernel !== undefined);
    assert.match(kernel.kernelFunc.toString(), /tileOnHeap/);
  });

  test("random ranks 1–6, shapes, repetitions and dtypes (float32, int32, bool)", async () => {
    for (let seed = 1; seed <= 150; seed++) {
      const r = rng(seed);
      const rank = int(r, 1, 6);
      const shape = Array.from({ length: rank }, () => pick(r, [1, 1, 2, 3, 4, 5, 7]));
      const reps = Array.from({ length: rank }, () => pick(r, [1, 1, 1, 2, 3, 4, 0, 17]));
      // Keep the output small: large repetitions on one or two axes only.
      const size = shape.reduce((p, d, i) => p * d * (reps[i] as number), 1);
      if (size > 200_000) continue;
      const dtype = pick(r, ["float32", "float32", "int32", "bool"] as const);
      const data = Array.from(randomData(r, shape), (v) => (dtype === "float32" ? v : Math.round(v * 3)));
      await assertSameTile(data, shape, dtype, reps, `seed ${seed} ${dtype} ${shape} reps ${reps}`);
    }
  });

  test("long rows (copyWithin), per-channel statistics tiled to activations, scalars repeated", async () => {
    const r = rng(99);
    const cases: [number[], number[]][] = [
      [
        [1, 1, 1, 16],
        [64, 28, 28, 1],
      ], // FusedBatchNorm's gradient: mean [C] to [N,H,W,C]
      [
        [3, 5, 1, 40],
        [2, 1, 9, 1],
      ],
      [
        [2, 300],
        [3, 2],
      ],
      [
        [7, 1],
        [1, 500],
      ],
      [[1], [1000]],
      [
        [4, 1, 1, 1, 1, 3],
        [1, 2, 1, 3, 2, 1],
      ],
    ];
    for (const [shape, reps] of cases) {
      const data = Array.from(randomData(r, shape));
      await assertSameTile(data, shape, "float32", reps, `${shape} reps ${reps}`);
      const ints = data.map((v) => Math.round(v * 1e6));
      await assertSameTile(ints, shape, "int32", reps, `int32 ${shape} reps ${reps}`);
    }
  });

  test("tf.where's broadcast and batchNorm's gradient give the cpu backend's values", async () => {
    const r = rng(5);
    const x = Array.from(randomData(r, [4, 6, 5, 12]));
    const m = Array.from(randomData(r, [12]));
    const [a, b] = await onBoth(() =>
      tf.where(tf.greater(tf.tensor1d(m), 0), tf.tensor4d(x, [4, 6, 5, 12]), tf.zeros([4, 6, 5, 12])),
    );
    assert.deepEqual(Array.from(a.dataSync()), Array.from(b.dataSync()));
    const grads = async (backend: string): Promise<Float32Array[]> => {
      await tf.setBackend(backend);
      const g = tf.grads((xt: tf.Tensor, mt: tf.Tensor) => {
        const v = tf.add(tf.square(mt), 0.5);
        return tf.sum(tf.square(tf.batchNorm(xt as tf.Tensor4D, mt, v, tf.sin(mt), tf.cos(mt), 1e-5)));
      })([tf.tensor4d(x, [4, 6, 5, 12]), tf.tensor1d(m)]);
      return g.map((t) => t.dataSync() as Float32Array);
    };
    const [gw, gc] = [await grads("wasm"), await grads("cpu")];
    for (const [i, c] of gc.entries()) assert.ok(relError(gw[i] as Float32Array, c) < 1e-5, `gradient ${i}`);
  });
});
