// Writes the Fashion-MNIST split nfx trains and tests on (its cached table, its fixed stratified split, in nfx's
// row order) as raw bytes, for bench/pytorch_nf_resnet_micro.py --run: the same images, nothing downloaded.
//
//   node --import tsx bench/exportFashionMnist.ts OUT.bin
//
// Layout of OUT.bin: a little-endian uint32 header [trainCount, testCount, 28, 28], then trainCount·784 uint8 pixels
// (HWC, C = 1), trainCount uint8 labels, testCount·784 pixels, testCount labels. Normalisation (nfx's
// FASHION_MNIST_NORMALIZATION: mean 0.28626, std 0.35299 of pixel/255) is left to the reader.
import fs from "node:fs";
import { resolveCacheDir } from "../src/core/base/cacheDir.js";
import { fashionMnistSplitRows, loadFashionMnistTable } from "../src/core/data/fashionMnist.js";

const out = process.argv[2];
if (!out) {
  console.error("usage: node --import tsx bench/exportFashionMnist.ts OUT.bin");
  process.exit(2);
}
const { table, cacheFile } = loadFashionMnistTable(resolveCacheDir());
const rows = fashionMnistSplitRows();
const pixels = 28 * 28;
const gather = (r: Uint32Array): { images: Uint8Array; labels: Uint8Array } => {
  const images = new Uint8Array(r.length * pixels);
  const labels = new Uint8Array(r.length);
  r.forEach((row, i) => {
    images.set(table.images.subarray(row * pixels, (row + 1) * pixels), i * pixels);
    labels[i] = table.labels[row] as number;
  });
  return { images, labels };
};
const train = gather(rows.train);
const test = gather(rows.test);
const header = new Uint8Array(new Uint32Array([rows.train.length, rows.test.length, 28, 28]).buffer);
const tmp = `${out}.tmp${process.pid}`;
fs.writeFileSync(tmp, Buffer.concat([header, train.images, train.labels, test.images, test.labels]));
fs.renameSync(tmp, out);
console.error(`${out}: ${rows.train.length} train + ${rows.test.length} test images from ${cacheFile}`);
