import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import {
  FASHION_MNIST_NORMALIZATION,
  fashionMnistSplitRows,
  loadFashionMnistTable,
} from "../../src/core/data/fashionMnist.js";
import { readImageTable } from "../../src/core/data/imageTableFile.js";
import { loadDataset } from "../../src/core/data/index.js";
import { tableNormalization } from "../../src/core/data/memorySplit.js";

let cacheDir = "";
before(() => {
  cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), "nfx-fmnist-"));
});
after(() => fs.rmSync(cacheDir, { recursive: true, force: true }));

test("fashion-mnist: 70,000 images, 60k/10k stratified split, labels 0..9, cache round-trips bit for bit", async () => {
  const first = loadFashionMnistTable(cacheDir);
  assert.equal(first.fromCache, false);
  assert.equal(first.table.labels.length, 70_000);
  assert.equal(first.table.images.length, 70_000 * 784);
  assert.ok(fs.existsSync(first.cacheFile));

  const second = loadFashionMnistTable(cacheDir);
  assert.equal(second.fromCache, true);
  assert.deepEqual(second.table.imageShape, [28, 28, 1]);
  assert.equal(Buffer.compare(Buffer.from(second.table.images), Buffer.from(first.table.images)), 0);
  assert.equal(Buffer.compare(Buffer.from(second.table.labels), Buffer.from(first.table.labels)), 0);

  const rows = fashionMnistSplitRows();
  assert.equal(rows.train.length, 60_000);
  assert.equal(rows.test.length, 10_000);
  const seen = new Uint8Array(70_000);
  for (const r of rows.train) seen[r] = (seen[r] as number) + 1;
  for (const r of rows.test) seen[r] = (seen[r] as number) + 1;
  assert.ok(
    seen.every((v) => v === 1),
    "train and test partition the 70,000 images",
  );
  const testPerClass = new Array<number>(10).fill(0);
  for (const r of rows.test) testPerClass[first.table.labels[r] as number]++;
  assert.deepEqual(testPerClass, new Array(10).fill(1000));

  // The stored constant is what the data says.
  const stats = tableNormalization(first.table, rows.train);
  assert.ok(Math.abs((stats.mean[0] as number) - (FASHION_MNIST_NORMALIZATION.mean[0] as number)) < 1e-12);
  assert.ok(Math.abs((stats.std[0] as number) - (FASHION_MNIST_NORMALIZATION.std[0] as number)) < 1e-12);

  const ds = await loadDataset({ name: "fashion-mnist" }, { cacheDir });
  assert.equal(ds.train.size, 60_000);
  assert.equal(ds.test.size, 10_000);
  assert.equal(ds.numClasses, 10);
  for (let i = 0; i < ds.test.size; i += 97) {
    const { image, label } = ds.test.read(i);
    assert.equal(image.length, 784);
    assert.ok(Number.isInteger(label) && label >= 0 && label < 10);
  }
  const small = await loadDataset({ name: "fashion-mnist", train_size: 1000, test_size: 200 }, { cacheDir });
  assert.equal(small.train.size, 1000);
  assert.equal(small.test.size, 200);
  assert.deepEqual(small.train.read(5), ds.train.read(5));
});

test("fashion-mnist: a corrupt cache is detected and rebuilt", () => {
  const { cacheFile } = loadFashionMnistTable(cacheDir);
  const bytes = fs.readFileSync(cacheFile);
  bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 0xff;
  fs.writeFileSync(cacheFile, bytes);
  assert.throws(() => readImageTable(cacheFile), /checksum/);
  const rebuilt = loadFashionMnistTable(cacheDir);
  assert.equal(rebuilt.fromCache, false);
  assert.ok(readImageTable(cacheFile));
});

test("loadDataset rejects unknown names and bad sizes with a message naming them", async () => {
  await assert.rejects(
    loadDataset({ name: "mnist-ish" }),
    /unknown dataset "mnist-ish" \(known: fashion-mnist, synthetic/,
  );
  await assert.rejects(loadDataset({ name: "fashion-mnist", train_size: 0 }, { cacheDir }), /data\.train_size/);
  await assert.rejects(
    loadDataset({ name: "fashion-mnist", test_size: 10_001 }, { cacheDir }),
    /data\.test_size 10001 exceeds/,
  );
});
