// ImageNet-style folders: one subdirectory per class holding PNG/JPEG files, either split already
// (`train/` plus `val/` or `test/`) or as a single root that is split here. Images are decoded and resized when read,
// so memory holds file names, not pixels.
import fs from "node:fs";
import path from "node:path";
import { permutation, Rng } from "../base/random.js";
import { decodeImage } from "./decodeImage.js";
import { resizeSquare } from "./resize.js";
import type { Dataset, Example, Normalization, Split } from "./types.js";

export const IMAGEFOLDER_DEFAULT_SIZE = 32;
const IMAGE_EXTENSIONS = new Set([".png", ".jpg", ".jpeg"]);
/** ImageNet's RGB statistics: the usual choice for photos, and free (no pass over the files). */
export const IMAGENET_NORMALIZATION: Normalization = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
/** Fraction of each class held out when the folder is not split already. */
const TEST_FRACTION = 0.1;
/** Fixed, like fashion-mnist's: the split belongs to the dataset, not to a run. */
const SPLIT_SEED = 1_000_003;

interface LabelledFile {
  file: string;
  label: number;
}

class ImageFolderSplit implements Split {
  readonly size: number;
  readonly imageShape: readonly [number, number, number];

  constructor(
    private readonly items: readonly LabelledFile[],
    private readonly side: number,
    readonly normalization: Normalization,
  ) {
    this.size = items.length;
    this.imageShape = [side, side, 3];
  }

  read(i: number): Example {
    const item = this.items[i];
    if (!Number.isInteger(i) || item === undefined) {
      throw new RangeError(`example index ${i} is out of range for a split of ${this.size}`);
    }
    const { width, height, rgba } = decodeImage(fs.readFileSync(item.file), item.file);
    return { image: resizeSquare(rgba, width, height, 4, this.side, 3), label: item.label };
  }
}

function subdirectories(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith("."))
    .map((e) => e.name)
    .sort();
}

function imageFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && IMAGE_EXTENSIONS.has(path.extname(e.name).toLowerCase()))
    .map((e) => path.join(dir, e.name))
    .sort();
}

/** The files of a class-per-directory root, grouped by class index in `classes`. */
function scanClasses(root: string, classes: readonly string[]): string[][] {
  const known = new Set(classes);
  for (const name of subdirectories(root)) {
    if (!known.has(name)) throw new Error(`imagefolder: ${path.join(root, name)} is a class not present in training`);
  }
  return classes.map((name) => {
    const dir = path.join(root, name);
    return fs.existsSync(dir) ? imageFiles(dir) : [];
  });
}

function shuffled(items: LabelledFile[], stream: number): LabelledFile[] {
  const perm = permutation(items.length, new Rng(SPLIT_SEED, stream));
  return Array.from(perm, (i) => items[i] as LabelledFile);
}

function classesOf(root: string): string[] {
  const classes = subdirectories(root);
  if (classes.length < 2) {
    throw new Error(`imagefolder: ${root} must hold one subdirectory per class (found ${classes.length})`);
  }
  return classes;
}

export function loadImageFolder(root: string, side: number): Dataset {
  if (!fs.existsSync(root)) throw new Error(`imagefolder: data.path ${root} does not exist`);
  if (!fs.statSync(root).isDirectory()) throw new Error(`imagefolder: data.path ${root} is not a directory`);
  const trainRoot = path.join(root, "train");
  const testRoot = ["val", "test"].map((d) => path.join(root, d)).find((d) => fs.existsSync(d));
  let classes: string[];
  let train: LabelledFile[] = [];
  let test: LabelledFile[] = [];
  if (fs.existsSync(trainRoot)) {
    if (!testRoot) throw new Error(`imagefolder: ${root} has train/ but neither val/ nor test/`);
    classes = classesOf(trainRoot);
    scanClasses(trainRoot, classes).forEach((files, label) => {
      for (const file of files) train.push({ file, label });
    });
    scanClasses(testRoot, classes).forEach((files, label) => {
      for (const file of files) test.push({ file, label });
    });
  } else {
    classes = classesOf(root);
    scanClasses(root, classes).forEach((files, label) => {
      // Stratified hold-out: every class with at least two images contributes to the test split.
      const perm = permutation(files.length, new Rng(SPLIT_SEED, label));
      const held = files.length >= 2 ? Math.max(1, Math.round(files.length * TEST_FRACTION)) : 0;
      perm.forEach((fileIndex, k) => {
        (k < held ? test : train).push({ file: files[fileIndex] as string, label });
      });
    });
  }
  const trainCounts = new Array<number>(classes.length).fill(0);
  for (const item of train) trainCounts[item.label]++;
  classes.forEach((name, label) => {
    if (trainCounts[label] === 0) {
      throw new Error(`imagefolder: class directory ${name} under ${root} has no training PNG/JPEG images`);
    }
  });
  if (test.length === 0) throw new Error(`imagefolder: ${testRoot ?? root} yields no test images`);
  // Shuffled once (fixed seed) so that any prefix, e.g. data.train_size, mixes all classes.
  train = shuffled(train, 100);
  test = shuffled(test, 101);
  return {
    name: "imagefolder",
    numClasses: classes.length,
    imageShape: [side, side, 3],
    normalization: IMAGENET_NORMALIZATION,
    source: root,
    train: new ImageFolderSplit(train, side, IMAGENET_NORMALIZATION),
    test: new ImageFolderSplit(test, side, IMAGENET_NORMALIZATION),
  };
}
