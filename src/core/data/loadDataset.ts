// The one entry point from a data config to a Dataset: validates the config and dispatches to the loader.
import path from "node:path";
import { resolveCacheDir } from "../base/cacheDir.js";
import { loadCifar10 } from "./cifar10.js";
import { loadFashionMnist } from "./fashionMnist.js";
import { IMAGEFOLDER_DEFAULT_SIZE, loadImageFolder } from "./imageFolder.js";
import { splitPrefix } from "./splitPrefix.js";
import { loadSynthetic, SYNTHETIC_DEFAULTS } from "./synthetic.js";
import { DATASET_NAMES, type DataConfig, type Dataset, type DatasetName } from "./types.js";

export interface LoadOptions {
  /** Directory for decoded-dataset caches (default: $NFX_CACHE_DIR, else the per-user cache, see cacheDir.ts). */
  cacheDir?: string;
}

function isDatasetName(name: string): name is DatasetName {
  return (DATASET_NAMES as readonly string[]).includes(name);
}

function requirePath(cfg: DataConfig, name: DatasetName): string {
  if (cfg.path == null || cfg.path === "") throw new Error(`dataset ${name} needs data.path (its directory)`);
  return path.resolve(cfg.path);
}

function optionalCount(value: number | null | undefined, key: string, min: number): number | null {
  if (value == null) return null;
  if (!Number.isInteger(value) || value < min) throw new Error(`data.${key} must be an integer ≥ ${min}, got ${value}`);
  return value;
}

/** Cuts the splits to train_size / test_size, refusing sizes the dataset cannot provide. */
function applySizes(dataset: Dataset, trainSize: number | null, testSize: number | null): Dataset {
  for (const [key, size, split] of [
    ["train_size", trainSize, dataset.train],
    ["test_size", testSize, dataset.test],
  ] as const) {
    if (size != null && size > split.size) {
      throw new Error(`data.${key} ${size} exceeds the ${split.size} examples ${dataset.name} has in that split`);
    }
  }
  return { ...dataset, train: splitPrefix(dataset.train, trainSize), test: splitPrefix(dataset.test, testSize) };
}

export async function loadDataset(cfg: DataConfig, opts: LoadOptions = {}): Promise<Dataset> {
  const name = cfg.name;
  if (!isDatasetName(name)) {
    throw new Error(`unknown dataset "${name}" (known: ${DATASET_NAMES.join(", ")})`);
  }
  const trainSize = optionalCount(cfg.train_size, "train_size", 1);
  const testSize = optionalCount(cfg.test_size, "test_size", 1);
  const imageSize = optionalCount(cfg.image_size, "image_size", 4);
  const seed = cfg.seed ?? 0;
  if (!Number.isInteger(seed) || seed < 0) throw new Error(`data.seed must be a non-negative integer, got ${seed}`);
  switch (name) {
    case "fashion-mnist":
      return applySizes(loadFashionMnist(resolveCacheDir(opts.cacheDir)), trainSize, testSize);
    case "synthetic": {
      const numClasses = optionalCount(cfg.num_classes, "num_classes", 2) ?? SYNTHETIC_DEFAULTS.numClasses;
      if (numClasses > 256) throw new Error(`data.num_classes must be at most 256, got ${numClasses}`);
      return loadSynthetic({
        seed,
        trainSize: trainSize ?? SYNTHETIC_DEFAULTS.trainSize,
        testSize: testSize ?? SYNTHETIC_DEFAULTS.testSize,
        imageSize: imageSize ?? SYNTHETIC_DEFAULTS.imageSize,
        numClasses,
      });
    }
    case "cifar10":
      return applySizes(loadCifar10(requirePath(cfg, name)), trainSize, testSize);
    case "imagefolder":
      return applySizes(
        loadImageFolder(requirePath(cfg, name), imageSize ?? IMAGEFOLDER_DEFAULT_SIZE),
        trainSize,
        testSize,
      );
  }
}
