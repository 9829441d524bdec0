// The data contract: what a loader returns and what the batcher yields.
import type { tf } from "../engine/tf.js";

export const DATASET_NAMES = ["fashion-mnist", "synthetic", "cifar10", "imagefolder"] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];

/**
 * What to load. `name` is a plain string because it arrives from YAML / `--set`; loadDataset validates it.
 * Fields a dataset does not use are ignored (e.g. `path` for fashion-mnist).
 */
export interface DataConfig {
  name: string;
  /** Directory of the data (cifar10, imagefolder). */
  path?: string | null;
  /** Keep only the first N training examples of the (seeded) split order; null: all. */
  train_size?: number | null;
  /** Keep only the first N test examples; null: all. */
  test_size?: number | null;
  /** Seeds the synthetic generator. Splits of real datasets use a fixed seed, so every run sees the same test set. */
  seed?: number;
  /** Side of the square images: the resize target for imagefolder, the generated size for synthetic. */
  image_size?: number | null;
  /** Number of classes (synthetic). */
  num_classes?: number | null;
}

/** One example: its pixels as uint8 in HWC order (length h·w·c) and its class. */
export interface Example {
  image: Uint8Array;
  label: number;
}

/** A train or test split: random access to its examples, plus what the batcher needs to tensorize them. */
export interface Split {
  readonly size: number;
  /** [height, width, channels] of every example. */
  readonly imageShape: readonly [number, number, number];
  /** The dataset's statistics (the training split's, shared by the test split). */
  readonly normalization: Normalization;
  /**
   * Example i. The image may be a view into the split's storage: read it, do not write it or keep it past the
   * next call (lazily decoded splits reuse nothing, in-memory ones hand out views without copying).
   */
  read(i: number): Example;
}

/** Per-channel mean and standard deviation of pixel/255, used to standardize batches. */
export interface Normalization {
  mean: readonly number[];
  std: readonly number[];
}

export interface Dataset {
  name: DatasetName;
  numClasses: number;
  /** [height, width, channels] of every example. */
  imageShape: [number, number, number];
  normalization: Normalization;
  /** Where the data came from (package, directory or generator), for run records and error messages. */
  source: string;
  train: Split;
  test: Split;
}

export interface AugmentOptions {
  /** Pad each side by this many (zero) pixels, then crop back to the original size at a random offset; 0: off. */
  crop?: number;
  /** Mirror left–right with probability 1/2. */
  flip?: boolean;
}

export interface Batch {
  /** [size, h, w, c] float32, standardized with the dataset's normalization. */
  x: tf.Tensor4D;
  /** [size] int32 class labels. */
  y: tf.Tensor1D;
  size: number;
}
