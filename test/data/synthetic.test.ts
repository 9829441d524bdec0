import assert from "node:assert/strict";
import { test } from "node:test";
import { loadDataset } from "../../src/core/data/index.js";
import type { Split } from "../../src/core/data/types.js";

function classMeans(split: Split, numClasses: number): Float64Array[] {
  const [h, w, c] = split.imageShape;
  const sums = Array.from({ length: numClasses }, () => new Float64Array(h * w * c));
  const counts = new Array<number>(numClasses).fill(0);
  for (let i = 0; i < split.size; i++) {
    const { image, label } = split.read(i);
    const s = sums[label] as Float64Array;
    for (let p = 0; p < image.length; p++) s[p] = (s[p] as number) + (image[p] as number) / 255;
    counts[label]++;
  }
  return sums.map((s, k) => s.map((v) => v / (counts[k] as number)));
}

test("synthetic: seeded, sized as asked, balanced labels", async () => {
  const a = await loadDataset({ name: "synthetic", seed: 3, train_size: 200, test_size: 50 });
  const b = await loadDataset({ name: "synthetic", seed: 3, train_size: 200, test_size: 50 });
  const other = await loadDataset({ name: "synthetic", seed: 4, train_size: 200, test_size: 50 });
  assert.equal(a.train.size, 200);
  assert.equal(a.test.size, 50);
  assert.deepEqual(a.imageShape, [16, 16, 1]);
  assert.deepEqual(a.train.read(17), b.train.read(17));
  assert.notDeepEqual(a.train.read(17).image, other.train.read(17).image);
  const counts = new Array<number>(10).fill(0);
  for (let i = 0; i < a.train.size; i++) counts[a.train.read(i).label]++;
  assert.deepEqual(counts, new Array(10).fill(20));
  // A larger request extends the same stream: the first examples do not change.
  const bigger = await loadDataset({ name: "synthetic", seed: 3, train_size: 400, test_size: 50 });
  assert.deepEqual(bigger.train.read(199), a.train.read(199));
  assert.deepEqual(bigger.test.read(10), a.test.read(10));
});

test("synthetic: class means differ clearly (learnable), other shapes and class counts", async () => {
  const ds = await loadDataset({ name: "synthetic", seed: 0, train_size: 1000, test_size: 100 });
  const means = classMeans(ds.train, 10);
  let minDistance = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 10; i++) {
    for (let j = i + 1; j < 10; j++) {
      let d = 0;
      const mi = means[i] as Float64Array;
      const mj = means[j] as Float64Array;
      for (let p = 0; p < mi.length; p++) d += ((mi[p] as number) - (mj[p] as number)) ** 2;
      minDistance = Math.min(minDistance, Math.sqrt(d));
    }
  }
  // Noise in one class mean is ~0.01 per pixel; distinct classes are far apart.
  assert.ok(minDistance > 1, `closest class means are ${minDistance.toFixed(3)} apart`);

  const big = await loadDataset({ name: "synthetic", image_size: 28, num_classes: 4, train_size: 40, test_size: 8 });
  assert.deepEqual(big.imageShape, [28, 28, 1]);
  assert.equal(big.numClasses, 4);
  assert.equal(big.train.read(0).image.length, 784);
  assert.ok(big.train.read(39).label < 4);
});

test("synthetic: default size generates quickly", async () => {
  const t0 = performance.now();
  const ds = await loadDataset({ name: "synthetic" });
  const ms = performance.now() - t0;
  assert.equal(ds.train.size, 5000);
  assert.equal(ds.test.size, 1000);
  assert.ok(ms < 1000, `took ${ms.toFixed(0)} ms`);
});
