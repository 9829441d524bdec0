// What nfx knows about each dataset without reading it: one row per dataset, read by the config rules (sizes, a
// needed path), the run identity (which keys a dataset ignores), the weights import (input channels), the figures
// (chance level) and the sweep's pre-flight. A new dataset is one row here plus its loader (loadDataset.ts).
import { IMAGEFOLDER_DEFAULT_SIZE } from "./imageFolder.js";
import { SYNTHETIC_DEFAULTS } from "./synthetic.js";
import type { DatasetName } from "./types.js";

/** One dataset's facts (see the table's rows for their sources). */
export interface DatasetFacts {
  /**
   * Examples in the training and test splits when known without reading the data (used when `data.train_size` /
   * `data.test_size` is null); `fixed`: the dataset has exactly these, so a larger size is an error. Null: known
   * only once the data is read (an image folder).
   */
  splits: { train: number; test: number; fixed: boolean } | null;
  /** Image channels (1 grey, 3 RGB). */
  channels: number;
  /** Image side in pixels when `data.image_size` does not set it (the images' own, or the default resize). */
  imageSize: number;
  /** Classes when the config does not say (synthetic's `data.num_classes` overrides its default); null: unknown. */
  classes: number | null;
  /** Whether the dataset reads `data.path` (and so needs it: its directory). */
  readsPath: boolean;
  /** Whether the dataset reads `data.image_size` (the resize target, or the generated size). */
  readsImageSize: boolean;
}

/**
 * The rows. Fashion-MNIST: 60,000 / 10,000 28×28 grey images, 10 classes (Xiao et al. 2017); CIFAR-10: 50,000 /
 * 10,000 32×32 RGB, 10 classes (Krizhevsky 2009); synthetic: its generator's defaults (synthetic.ts), any size can
 * be generated; an image folder: RGB (imageFolder.ts decodes every image to RGB), sizes and classes from the folder.
 */
export const DATASETS: Readonly<Record<DatasetName, DatasetFacts>> = {
  "fashion-mnist": {
    splits: { train: 60_000, test: 10_000, fixed: true },
    channels: 1,
    imageSize: 28,
    classes: 10,
    readsPath: false,
    readsImageSize: false,
  },
  synthetic: {
    splits: { train: SYNTHETIC_DEFAULTS.trainSize, test: SYNTHETIC_DEFAULTS.testSize, fixed: false },
    channels: 1,
    imageSize: SYNTHETIC_DEFAULTS.imageSize,
    classes: SYNTHETIC_DEFAULTS.numClasses,
    readsPath: false,
    readsImageSize: true,
  },
  cifar10: {
    splits: { train: 50_000, test: 10_000, fixed: true },
    channels: 3,
    imageSize: 32,
    classes: 10,
    readsPath: true,
    readsImageSize: false,
  },
  imagefolder: {
    splits: null,
    channels: 3,
    imageSize: IMAGEFOLDER_DEFAULT_SIZE,
    classes: null,
    readsPath: true,
    readsImageSize: true,
  },
};

/** The facts of dataset `name`, or undefined for a name nfx does not know (config validation names it). */
export function datasetFacts(name: string): DatasetFacts | undefined {
  return Object.hasOwn(DATASETS, name) ? DATASETS[name as DatasetName] : undefined;
}
