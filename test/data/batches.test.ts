import assert from "node:assert/strict";
import { test } from "node:test";
import { type BatchOptions, batchCount, batches, evalBatches, loadDataset } from "../../src/core/data/index.js";
import { MemorySplit } from "../../src/core/data/memorySplit.js";
import { tf } from "../../src/core/engine/tf.js";

async function collect(split: Parameters<typeof batches>[0], opts: BatchOptions) {
  const out: { x: Float32Array; y: Int32Array; shape: number[]; size: number }[] = [];
  for (const b of batches(split, opts)) {
    out.push({
      x: (await b.x.data()) as Float32Array,
      y: (await b.y.data()) as Int32Array,
      shape: b.x.shape,
      size: b.size,
    });
    assert.equal(b.x.dtype, "float32");
    assert.equal(b.y.dtype, "int32");
    b.x.dispose();
    b.y.dispose();
  }
  return out;
}

test("batches: deterministic per (seed, epoch), different across epochs, bounded tensors", async () => {
  const ds = await loadDataset({ name: "synthetic", seed: 1, train_size: 100, test_size: 10 });
  const before = tf.memory().numTensors;
  const opts = { batchSize: 32, seed: 7, epoch: 0, augment: { crop: 2, flip: true } };
  const a = await collect(ds.train, opts);
  const b = await collect(ds.train, opts);
  const e1 = await collect(ds.train, { ...opts, epoch: 1 });
  assert.equal(tf.memory().numTensors, before, "every yielded tensor was disposed; nothing else leaked");
  assert.equal(a.length, 3, "drops the remainder by default");
  assert.deepEqual(a, b);
  assert.notDeepEqual(a[0]?.y, e1[0]?.y);
  assert.deepEqual(a[0]?.shape, [32, 16, 16, 1]);
  // Every batch holds distinct examples, and an epoch visits examples without repetition.
  const plain = await collect(ds.train, { batchSize: 25, seed: 7, epoch: 0, dropRemainder: false });
  assert.equal(plain.length, 4);
  const labels = plain.flatMap((p) => Array.from(p.y));
  const counts = new Array<number>(10).fill(0);
  for (const l of labels) counts[l]++;
  assert.deepEqual(counts, new Array(10).fill(10));
  assert.equal(batchCount(ds.train, { batchSize: 32 }), 3);
  assert.equal(batchCount(ds.train, { batchSize: 32, dropRemainder: false }), 4);
});

test("batches: standardization and augmentation place pixels as specified", async () => {
  // One 3×3 RGB image with distinct values, normalization mean 0 / std 1 → x = v/255.
  const image = new Uint8Array(27).map((_, i) => (i + 1) * 9);
  const split = new MemorySplit(
    { images: image, labels: new Uint8Array([2]), imageShape: [3, 3, 3] },
    { mean: [0, 0, 0], std: [1, 1, 1] },
  );
  const [plain] = await collect(split, { batchSize: 1 });
  assert.deepEqual(
    Array.from(plain?.x ?? []),
    Array.from(image, (v) => Math.fround(v / 255)),
  );
  assert.deepEqual(Array.from(plain?.y ?? []), [2]);
  // Over many epochs, flip+crop produce mirrored and shifted copies, always the same shape.
  const seen = new Set<string>();
  for (let epoch = 0; epoch < 40; epoch++) {
    const [b] = await collect(split, { batchSize: 1, epoch, augment: { crop: 1, flip: true } });
    assert.deepEqual(b?.shape, [1, 3, 3, 3]);
    seen.add(Array.from(b?.x ?? []).join(","));
  }
  assert.ok(seen.size > 10, `only ${seen.size} distinct augmentations`);
  const mirrored = Array.from({ length: 27 }, (_, i) => {
    const [y, x, c] = [Math.floor(i / 9), Math.floor(i / 3) % 3, i % 3];
    return Math.fround((image[y * 9 + (2 - x) * 3 + c] as number) / 255);
  }).join(",");
  assert.ok(seen.has(mirrored), "a pure mirror (no shift) appears");
});

test("evalBatches: in order, keeps the remainder, honours a limit", async () => {
  const ds = await loadDataset({ name: "synthetic", seed: 2, train_size: 20, test_size: 23 });
  const all = await collect(ds.test, { batchSize: 10, shuffle: false, dropRemainder: false });
  const sizes: number[] = [];
  const ys: number[] = [];
  for (const b of evalBatches(ds.test, 10)) {
    sizes.push(b.size);
    ys.push(...(await b.y.data()));
    b.x.dispose();
    b.y.dispose();
  }
  assert.deepEqual(sizes, [10, 10, 3]);
  assert.deepEqual(
    ys,
    all.flatMap((b) => Array.from(b.y)),
  );
  assert.deepEqual(ys.slice(0, 5), [0, 1, 2, 3, 4]);
  const limited = [...evalBatches(ds.test, 10, 15)];
  assert.deepEqual(
    limited.map((b) => b.size),
    [10, 5],
  );
  for (const b of limited) tf.dispose([b.x, b.y]);
});

test("batches: rejects bad options by name", async () => {
  const ds = await loadDataset({ name: "synthetic", train_size: 20, test_size: 10 });
  assert.throws(() => batches(ds.train, { batchSize: 0 }).next(), /batchSize/);
  assert.throws(() => batches(ds.train, { batchSize: 4, augment: { crop: -1 } }).next(), /augment\.crop/);
  assert.throws(() => batches(ds.train, { batchSize: 4, augment: { crop: 16 } }).next(), /augment\.crop 16/);
});

test("batches: assembly with augmentation costs microseconds per image", async () => {
  const ds = await loadDataset({ name: "synthetic", train_size: 4096, test_size: 10, image_size: 28 });
  const t0 = performance.now();
  let n = 0;
  for (const b of batches(ds.train, { batchSize: 256, augment: { crop: 2, flip: true } })) {
    n += b.size;
    tf.dispose([b.x, b.y]);
  }
  const perImageUs = ((performance.now() - t0) * 1000) / n;
  assert.equal(n, 4096);
  assert.ok(perImageUs < 50, `${perImageUs.toFixed(1)} µs per image`);
});
