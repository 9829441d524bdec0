// `nfx eval`'s core: top-1 and loss of a weights file on a dataset split, with progress, equal to evaluating the
// model that wrote the file; weights for another class count are an error naming the classifier tensor.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { it } from "node:test";
import { loadDataset } from "../../src/core/data/loadDataset.js";
import { initBackend } from "../../src/core/engine/backend/backend.js";
import { buildModel } from "../../src/core/models/build.js";
import { resolveModelSpec } from "../../src/core/models/index.js";
import { evalWeights } from "../../src/core/runWeights/runWeights.js";
import { evaluate } from "../../src/core/train/evaluate.js";
import { writeSafetensors } from "../../src/core/weights/safetensors.js";
import { modelTensors } from "../../src/core/weights/weightsFile.js";
import { tempDir } from "../helpers.js";

it("evaluates a weights file: the top-1 and loss of the model that wrote it, with progress", async () => {
  await initBackend("cpu");
  const dir = tempDir("nfx-eval-");
  const data = { name: "synthetic", image_size: 8, train_size: 32, test_size: 40 };
  const ds = await loadDataset({ ...data, seed: 0 } as Parameters<typeof loadDataset>[0]);
  const model = buildModel(resolveModelSpec({ name: "nf-resnet-micro" }), {
    numClasses: ds.numClasses,
    inputShape: ds.imageShape,
    seed: 9,
  });
  const want = evaluate(model, ds, "test", 40);
  const file = path.join(dir, "w.safetensors");
  fs.writeFileSync(file, writeSafetensors(modelTensors(model, "deepmind")));
  model.dispose();
  const seen: number[] = [];
  const got = await evalWeights({
    weights: file,
    model: { name: "nf-resnet-micro" },
    data,
    split: "test",
    progress: (done) => seen.push(done),
  });
  assert.equal(got.n, 40);
  assert.equal(got.top1, want.top1);
  assert.ok(Math.abs(got.loss - want.loss) < 1e-6);
  assert.equal(got.names, "deepmind");
  assert.equal(seen.at(-1), 40);
  const other = buildModel(resolveModelSpec({ name: "nf-resnet-micro" }), {
    numClasses: 4,
    inputShape: ds.imageShape,
    seed: 1,
  });
  const wrong = path.join(dir, "four.safetensors");
  fs.writeFileSync(wrong, writeSafetensors(modelTensors(other, "nfx")));
  other.dispose();
  await assert.rejects(
    evalWeights({ weights: wrong, model: { name: "nf-resnet-micro" }, data, split: "test" }),
    /tensor head\.classifier\.w \(nfx head\.classifier\.w\): expected shape \[\d+,10\], got \[\d+,4\]/,
  );
});
