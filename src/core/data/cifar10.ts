// CIFAR-10 from the official "binary version" (cifar-10-binary.tar.gz, extracted): data_batch_1..5.bin and
// test_batch.bin, each a sequence of records of 1 label byte + 3072 pixel bytes (1024 R, 1024 G, 1024 B, rows of 32).
import fs from "node:fs";
import path from "node:path";
import { type ImageTable, MemorySplit, tableNormalization } from "./memorySplit.js";
import type { Dataset } from "./types.js";

export const CIFAR10_CLASSES = [
  "airplane",
  "automobile",
  "bird",
  "cat",
  "deer",
  "dog",
  "frog",
  "horse",
  "ship",
  "truck",
] as const;

const SIDE = 32;
const PLANE = SIDE * SIDE;
const RECORD = 1 + 3 * PLANE;
export const CIFAR10_TRAIN_FILES = [1, 2, 3, 4, 5].map((k) => `data_batch_${k}.bin`);
export const CIFAR10_TEST_FILE = "test_batch.bin";
/** Rows used to estimate the normalization: enough for 3-digit accuracy, cheap on the 50,000-image train set. */
const NORMALIZATION_ROWS = 10_000;

/** The directory holding the batch files: `dir` itself or the archive's `cifar-10-batches-bin` inside it. */
export function findCifar10Dir(dir: string): string {
  if (!fs.existsSync(dir)) throw new Error(`cifar10: data.path ${dir} does not exist`);
  if (!fs.statSync(dir).isDirectory()) throw new Error(`cifar10: data.path ${dir} is not a directory`);
  const nested = path.join(dir, "cifar-10-batches-bin");
  if (!fs.existsSync(path.join(dir, CIFAR10_TEST_FILE)) && fs.existsSync(path.join(nested, CIFAR10_TEST_FILE))) {
    return nested;
  }
  return dir;
}

/** Reads batch files into one table, converting each record's CHW planes to HWC. */
export function readCifar10Files(files: readonly string[]): ImageTable {
  const buffers = files.map((file) => {
    if (!fs.existsSync(file)) {
      throw new Error(
        `cifar10: ${file} is missing (expected ${CIFAR10_TRAIN_FILES.join(", ")} and ${CIFAR10_TEST_FILE})`,
      );
    }
    const buf = fs.readFileSync(file);
    if (buf.length === 0 || buf.length % RECORD !== 0) {
      throw new Error(`cifar10: ${file} has ${buf.length} bytes, not a whole number of ${RECORD}-byte records`);
    }
    return { file, buf };
  });
  const count = buffers.reduce((n, { buf }) => n + buf.length / RECORD, 0);
  const images = new Uint8Array(count * 3 * PLANE);
  const labels = new Uint8Array(count);
  let row = 0;
  for (const { file, buf } of buffers) {
    for (let r = 0; r < buf.length; r += RECORD, row++) {
      const label = buf[r] as number;
      if (label >= CIFAR10_CLASSES.length) {
        throw new Error(
          `cifar10: ${file} record ${r / RECORD} has label ${label}, expected 0..9 (not a CIFAR-10 file?)`,
        );
      }
      labels[row] = label;
      const out = row * 3 * PLANE;
      const red = r + 1;
      for (let p = 0; p < PLANE; p++) {
        images[out + 3 * p] = buf[red + p] as number;
        images[out + 3 * p + 1] = buf[red + PLANE + p] as number;
        images[out + 3 * p + 2] = buf[red + 2 * PLANE + p] as number;
      }
    }
  }
  return { images, labels, imageShape: [SIDE, SIDE, 3] };
}

export function loadCifar10(dirArg: string): Dataset {
  const dir = findCifar10Dir(dirArg);
  const train = readCifar10Files(CIFAR10_TRAIN_FILES.map((f) => path.join(dir, f)));
  const test = readCifar10Files([path.join(dir, CIFAR10_TEST_FILE)]);
  const normalization = tableNormalization(train, undefined, NORMALIZATION_ROWS);
  return {
    name: "cifar10",
    numClasses: CIFAR10_CLASSES.length,
    imageShape: [SIDE, SIDE, 3],
    normalization,
    source: dir,
    train: new MemorySplit(train, normalization),
    test: new MemorySplit(test, normalization),
  };
}
