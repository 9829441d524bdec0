import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { loadDataset } from "../../src/core/data/index.js";

const dirs: string[] = [];
after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/** A record whose pixel planes are R = label·10 + k, G = 100 + k, B = 200 + k for pixel index k mod 50. */
function record(label: number): Buffer {
  const buf = Buffer.alloc(3073);
  buf[0] = label;
  for (let p = 0; p < 1024; p++) {
    buf[1 + p] = label * 10 + (p % 50);
    buf[1 + 1024 + p] = 100 + (p % 50);
    buf[1 + 2048 + p] = 200 + (p % 50);
  }
  return buf;
}

function fakeCifar(recordsPerFile: number, nested = false): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "nfx-cifar-"));
  dirs.push(root);
  const dir = nested ? path.join(root, "cifar-10-batches-bin") : root;
  fs.mkdirSync(dir, { recursive: true });
  for (const name of ["data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5", "test_batch"]) {
    const records = Array.from({ length: recordsPerFile }, (_, i) => record(i % 10));
    fs.writeFileSync(path.join(dir, `${name}.bin`), Buffer.concat(records));
  }
  return root;
}

test("cifar10: reads the binary batches, CHW → HWC, 50k/10k-style split sizes", async () => {
  const root = fakeCifar(4);
  const ds = await loadDataset({ name: "cifar10", path: root });
  assert.equal(ds.train.size, 20);
  assert.equal(ds.test.size, 4);
  assert.deepEqual(ds.imageShape, [32, 32, 3]);
  assert.equal(ds.numClasses, 10);
  const { image, label } = ds.train.read(7);
  assert.equal(label, 3);
  // Pixel 5 (row 0, column 5): R, G, B from the three planes, interleaved.
  assert.deepEqual(Array.from(image.subarray(15, 18)), [35, 105, 205]);
  assert.ok(ds.normalization.mean.length === 3 && ds.normalization.std.every((s) => s > 0));
  const nested = await loadDataset({ name: "cifar10", path: fakeCifar(1, true), train_size: 3 });
  assert.equal(nested.train.size, 3);
});

test("cifar10: rejects a missing path, a missing file, a wrong size and a bad label, naming the path", async () => {
  await assert.rejects(loadDataset({ name: "cifar10" }), /cifar10 needs data\.path/);
  await assert.rejects(
    loadDataset({ name: "cifar10", path: "/nonexistent/cifar" }),
    /\/nonexistent\/cifar does not exist/,
  );

  const missing = fakeCifar(1);
  fs.rmSync(path.join(missing, "data_batch_3.bin"));
  await assert.rejects(loadDataset({ name: "cifar10", path: missing }), /data_batch_3\.bin is missing/);

  const truncated = fakeCifar(2);
  fs.truncateSync(path.join(truncated, "test_batch.bin"), 3073 + 100);
  await assert.rejects(
    loadDataset({ name: "cifar10", path: truncated }),
    (err: Error) => err.message.includes(path.join(truncated, "test_batch.bin")) && /3173 bytes/.test(err.message),
  );

  const badLabel = fakeCifar(1);
  const file = path.join(badLabel, "data_batch_1.bin");
  const bytes = fs.readFileSync(file);
  bytes[0] = 17;
  fs.writeFileSync(file, bytes);
  await assert.rejects(loadDataset({ name: "cifar10", path: badLabel }), /data_batch_1\.bin record 0 has label 17/);
});
