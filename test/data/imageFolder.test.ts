import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import jpeg from "jpeg-js";
import { PNG } from "pngjs";
import { batches, loadDataset } from "../../src/core/data/index.js";
import { resizeSquare } from "../../src/core/data/resize.js";
import { tf } from "../../src/core/engine/tf.js";

const dirs: string[] = [];
after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "nfx-imagefolder-"));
  dirs.push(d);
  return d;
}

/** A solid-colour PNG of the given size. */
function png(width: number, height: number, rgb: [number, number, number]): Buffer {
  const img = new PNG({ width, height });
  for (let p = 0; p < width * height; p++) img.data.set([...rgb, 255], p * 4);
  return PNG.sync.write(img);
}

function jpg(width: number, height: number, rgb: [number, number, number]): Buffer {
  const data = Buffer.alloc(width * height * 4);
  for (let p = 0; p < width * height; p++) data.set([...rgb, 255], p * 4);
  return jpeg.encode({ width, height, data }, 95).data;
}

const COLOURS: Record<string, [number, number, number]> = {
  cat: [200, 30, 30],
  dog: [30, 200, 30],
  fox: [30, 30, 200],
};

function writeClassFolder(root: string, perClass: number): void {
  for (const [name, rgb] of Object.entries(COLOURS)) {
    fs.mkdirSync(path.join(root, name), { recursive: true });
    for (let i = 0; i < perClass; i++) {
      const file = path.join(root, name, `${i}.${i % 2 ? "jpg" : "png"}`);
      fs.writeFileSync(file, i % 2 ? jpg(12 + i, 9, rgb) : png(10, 14 + i, rgb));
    }
  }
  fs.writeFileSync(path.join(root, "cat", "notes.txt"), "not an image");
}

test("imagefolder: class-per-directory PNG/JPEG, resized, split held out per class", async () => {
  const root = tempDir();
  writeClassFolder(root, 10);
  const ds = await loadDataset({ name: "imagefolder", path: root, image_size: 8 });
  assert.equal(ds.numClasses, 3);
  assert.deepEqual(ds.imageShape, [8, 8, 3]);
  assert.equal(ds.train.size + ds.test.size, 30);
  assert.equal(ds.test.size, 3, "10% of each class");
  for (let i = 0; i < ds.train.size; i++) {
    const { image, label } = ds.train.read(i);
    assert.equal(image.length, 8 * 8 * 3);
    const expected = Object.values(COLOURS)[label] as [number, number, number];
    // Solid colours survive resizing (JPEG within its quantization error).
    for (let c = 0; c < 3; c++) assert.ok(Math.abs((image[c] as number) - expected[c]) <= 6, `pixel ${image[c]}`);
  }
  const again = await loadDataset({ name: "imagefolder", path: root, image_size: 8, seed: 99 });
  assert.deepEqual(again.test.read(0), ds.test.read(0), "the split does not depend on the run seed");
  const [batch] = [...batches(ds.train, { batchSize: 4, augment: { crop: 2, flip: true } })];
  assert.deepEqual(batch?.x.shape, [4, 8, 8, 3]);
  tf.dispose([batch?.x, batch?.y].filter((t) => t !== undefined));
});

test("imagefolder: train/ + val/ layout", async () => {
  const root = tempDir();
  writeClassFolder(path.join(root, "train"), 4);
  writeClassFolder(path.join(root, "val"), 2);
  const ds = await loadDataset({ name: "imagefolder", path: root });
  assert.deepEqual(ds.imageShape, [32, 32, 3]);
  assert.equal(ds.train.size, 12);
  assert.equal(ds.test.size, 6);
});

test("imagefolder: rejects bad folders and files, naming the path", async () => {
  await assert.rejects(loadDataset({ name: "imagefolder" }), /imagefolder needs data\.path/);
  await assert.rejects(loadDataset({ name: "imagefolder", path: "/no/such/dir" }), /\/no\/such\/dir does not exist/);
  const flat = tempDir();
  fs.writeFileSync(path.join(flat, "a.png"), png(4, 4, [0, 0, 0]));
  await assert.rejects(loadDataset({ name: "imagefolder", path: flat }), /must hold one subdirectory per class/);
  const empty = tempDir();
  fs.mkdirSync(path.join(empty, "a"));
  fs.mkdirSync(path.join(empty, "b"));
  fs.writeFileSync(path.join(empty, "a", "x.png"), png(4, 4, [0, 0, 0]));
  await assert.rejects(loadDataset({ name: "imagefolder", path: empty }), /class directory b .* no training/);
  const corrupt = tempDir();
  writeClassFolder(corrupt, 2);
  fs.writeFileSync(
    path.join(corrupt, "dog", "0.png"),
    Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from("garbage")]),
  );
  const ds = await loadDataset({ name: "imagefolder", path: corrupt, image_size: 4 });
  const corruptFile = path.join(corrupt, "dog", "0.png");
  assert.throws(
    () => {
      for (const split of [ds.train, ds.test]) for (let i = 0; i < split.size; i++) split.read(i);
    },
    (err: Error) => err.message.includes(corruptFile) && /not a valid PNG/.test(err.message),
  );
});

test("resizeSquare: centre crop, area average down, bilinear up", () => {
  // 4×2 RGB image: columns 0..3 valued 0, 100, 200, 50 → centre crop keeps columns 1..2, average = 150.
  const src = new Uint8Array(4 * 2 * 3);
  for (let y = 0; y < 2; y++)
    for (let x = 0; x < 4; x++) src.fill([0, 100, 200, 50][x] as number, (y * 4 + x) * 3, (y * 4 + x + 1) * 3);
  assert.deepEqual(Array.from(resizeSquare(src, 4, 2, 3, 1, 3)), [150, 150, 150]);
  const up = resizeSquare(src, 4, 2, 3, 4, 1);
  assert.equal(up.length, 16);
  assert.deepEqual(Array.from(up.subarray(0, 4)), [100, 125, 175, 200]);
});
