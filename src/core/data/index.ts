// The data layer's public surface: loading datasets and streaming them as batches.

export { resolveCacheDir } from "../base/cacheDir.js";
export { type BatchOptions, batchCount, batches, evalBatches } from "./batches.js";
export { CIFAR10_CLASSES } from "./cifar10.js";
export { FASHION_MNIST_CLASSES } from "./fashionMnist.js";
export { IMAGEFOLDER_DEFAULT_SIZE } from "./imageFolder.js";
export { type LoadOptions, loadDataset } from "./loadDataset.js";
export { SYNTHETIC_DEFAULTS } from "./synthetic.js";
export type {
  AugmentOptions,
  Batch,
  DataConfig,
  Dataset,
  DatasetName,
  Example,
  Normalization,
  Split,
} from "./types.js";
export { DATASET_NAMES } from "./types.js";
