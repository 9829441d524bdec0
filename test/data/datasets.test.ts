// The dataset facts table agrees with what each loader actually returns: a fact nfx uses before reading the data
// (sizes for the identity and config rules, channels for weights imports, classes for chance level) must be the
// one the data has.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { PNG } from "pngjs";
import { DATASETS, datasetFacts } from "../../src/core/data/datasets.js";
import { DATASET_NAMES, loadDataset } from "../../src/core/data/index.js";

const dirs: string[] = [];
after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

test("every dataset name has one row, and unknown names have none", () => {
  assert.deepEqual(Object.keys(DATASETS).sort(), [...DATASET_NAMES].sort());
  assert.equal(datasetFacts("mnist"), undefined);
  assert.equal(datasetFacts("toString"), undefined);
  assert.equal(datasetFacts("cifar10")?.readsPath, true);
});

for (const name of ["synthetic", "fashion-mnist"] as const) {
  test(`${name}: the row's splits, image size, channels and classes are what the loader returns`, async () => {
    const facts = DATASETS[name];
    const ds = await loadDataset({ name });
    assert.equal(ds.train.size, facts.splits?.train);
    assert.equal(ds.test.size, facts.splits?.test);
    assert.deepEqual(ds.imageShape, [facts.imageSize, facts.imageSize, facts.channels]);
    assert.equal(ds.numClasses, facts.classes);
  });
}

test("imagefolder: RGB whatever the files are, sizes and classes known only from the folder", async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "nfx-datasets-"));
  dirs.push(root);
  for (const split of ["train", "test"]) {
    for (const cls of ["a", "b"]) {
      fs.mkdirSync(path.join(root, split, cls), { recursive: true });
      const img = new PNG({ width: 4, height: 4, colorType: 0 });
      img.data.fill(128);
      fs.writeFileSync(path.join(root, split, cls, "x.png"), PNG.sync.write(img));
    }
  }
  const facts = DATASETS.imagefolder;
  assert.equal(facts.splits, null);
  assert.equal(facts.classes, null);
  const ds = await loadDataset({ name: "imagefolder", path: root, image_size: 8 });
  assert.equal(ds.imageShape[2], facts.channels);
  const resized = await loadDataset({ name: "imagefolder", path: root });
  assert.deepEqual(resized.imageShape, [facts.imageSize, facts.imageSize, 3], "without image_size: the row's side");
  assert.equal(facts.readsPath && facts.readsImageSize, true);
});
