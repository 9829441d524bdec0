// Streaming a split as tensors, one batch at a time: only the current batch's pixels are ever materialized, and the
// order and augmentation are a pure function of (seed, epoch); each example's augmentation of (seed, epoch, position).

import { permutation, Rng } from "../base/random.js";
import { tf } from "../engine/tf.js";
import { drawPlacement, IDENTITY_PLACEMENT, standardizeTable, writeExample } from "./augment.js";
import type { AugmentOptions, Batch, Split } from "./types.js";

export interface BatchOptions {
  batchSize: number;
  /** Seeds shuffling and augmentation (default 0). */
  seed?: number;
  /** Epoch index: each epoch gets its own order and augmentation (default 0). */
  epoch?: number;
  /** Visit examples in a random order (default true). */
  shuffle?: boolean;
  augment?: AugmentOptions;
  /** Skip a last batch smaller than batchSize (default true), so every step sees the same batch size. */
  dropRemainder?: boolean;
  /** Use only the first N examples of the split (null/undefined: all). */
  limit?: number | null;
  /**
   * Start with this batch of the epoch (default 0): the batches before it are skipped without being read, and the
   * ones yielded are those a full pass yields from there, bit for bit (a resumed run continues mid-epoch).
   */
  startBatch?: number;
}

// Stream labels keep order and augmentation draws independent of each other.
const ORDER_STREAM = 1;
const AUGMENT_STREAM = 2;

function checkOptions(split: Split, opts: BatchOptions): void {
  if (!Number.isInteger(opts.batchSize) || opts.batchSize < 1) {
    throw new Error(`batchSize must be a positive integer, got ${opts.batchSize}`);
  }
  const crop = opts.augment?.crop ?? 0;
  if (!Number.isInteger(crop) || crop < 0) throw new Error(`augment.crop must be a non-negative integer, got ${crop}`);
  const [h, w] = split.imageShape;
  if (crop >= Math.min(h, w)) throw new Error(`augment.crop ${crop} must be smaller than the image (${h}×${w})`);
  if (opts.startBatch !== undefined && !(Number.isInteger(opts.startBatch) && opts.startBatch >= 0)) {
    throw new Error(`startBatch must be a non-negative integer, got ${opts.startBatch}`);
  }
  if (opts.limit != null && (!Number.isInteger(opts.limit) || opts.limit < 1)) {
    throw new Error(`limit must be a positive integer or null, got ${opts.limit}`);
  }
}

/** Number of batches `batches(split, opts)` yields. */
export function batchCount(split: Split, opts: BatchOptions): number {
  const n = Math.min(opts.limit ?? split.size, split.size);
  return opts.dropRemainder === false ? Math.ceil(n / opts.batchSize) : Math.floor(n / opts.batchSize);
}

/**
 * Yields {x: [b,h,w,c] float32 standardized, y: [b] int32, size}. The caller owns and must dispose x and y.
 * Same (split, options) → the same batches, bit for bit.
 */
export function* batches(split: Split, opts: BatchOptions): Generator<Batch, void, undefined> {
  checkOptions(split, opts);
  const seed = opts.seed ?? 0;
  const epoch = opts.epoch ?? 0;
  const n = Math.min(opts.limit ?? split.size, split.size);
  const order = opts.shuffle === false ? null : permutation(n, new Rng(seed, epoch, ORDER_STREAM));
  const augment = opts.augment ?? {};
  const augmenting = (augment.crop ?? 0) > 0 || augment.flip === true;
  const shape = split.imageShape;
  const [h, w, c] = shape;
  const pixels = h * w * c;
  const lut = standardizeTable(split.normalization, c);
  const dropRemainder = opts.dropRemainder !== false;

  for (let start = (opts.startBatch ?? 0) * opts.batchSize; start < n; start += opts.batchSize) {
    const size = Math.min(opts.batchSize, n - start);
    if (size < opts.batchSize && dropRemainder) return;
    // Fresh arrays per batch: tfjs backends may adopt the array as the tensor's storage.
    const x = new Float32Array(size * pixels);
    const y = new Int32Array(size);
    for (let k = 0; k < size; k++) {
      const index = order ? (order[start + k] as number) : start + k;
      const example = split.read(index);
      // Keyed by (seed, epoch, position in the epoch) — i.e. (seed, step, index in the batch) — not by a stream
      // shared across examples, so an example's crop and flip depend on nothing else.
      const place = augmenting
        ? drawPlacement(augment, new Rng(seed, epoch, AUGMENT_STREAM, start + k))
        : IDENTITY_PLACEMENT;
      writeExample(example.image, x, k * pixels, shape, lut, place);
      y[k] = example.label;
    }
    yield { x: tf.tensor4d(x, [size, h, w, c], "float32"), y: tf.tensor1d(y, "int32"), size };
  }
}

/** The split in order, no augmentation, last partial batch kept: for evaluation. */
export function evalBatches(split: Split, batchSize: number, limit?: number | null): Generator<Batch, void, undefined> {
  return batches(split, { batchSize, shuffle: false, dropRemainder: false, limit: limit ?? null });
}
