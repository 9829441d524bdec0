// Fine-tuning: a run started with --init-from (model.init_from) from weights exported under timm's names, on an
// image folder this test makes (3 classes; the weights' classifier has 10, so it is re-initialised and said so).
// The stored run holds the weights' SHA-256, its identity hashes the SHA-256 and not the path, and bad weights
// (another architecture, a truncated file) are refused before anything is written to the store.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { PNG } from "pngjs";
import { configHash } from "../../src/core/config/hash.js";
import { resolveConfig } from "../../src/core/config/resolve.js";
import { initBackend } from "../../src/core/engine/backend/backend.js";
import { buildModel } from "../../src/core/models/build.js";
import { resolveModelSpec } from "../../src/core/models/index.js";
import { RunStore } from "../../src/core/store/runStore.js";
import { writeSafetensors } from "../../src/core/weights/safetensors.js";
import { modelTensors } from "../../src/core/weights/weightsFile.js";
import { runSweepFile } from "../../src/experiments/sweepFile.js";
import { tempDir } from "../helpers.js";

const dir = tempDir("nfx-finetune-");

function imageFolder(root: string): string {
  const shades: Record<string, [number, number, number]> = {
    red: [220, 30, 30],
    green: [30, 200, 40],
    blue: [20, 40, 210],
  };
  for (const [c, rgb] of Object.entries(shades)) {
    fs.mkdirSync(path.join(root, c), { recursive: true });
    for (let i = 0; i < 8; i++) {
      const img = new PNG({ width: 8, height: 8 });
      for (let p = 0; p < 64; p++) {
        img.data[4 * p] = Math.min(255, rgb[0] + 3 * i);
        img.data[4 * p + 1] = rgb[1];
        img.data[4 * p + 2] = rgb[2];
        img.data[4 * p + 3] = 255;
      }
      fs.writeFileSync(path.join(root, c, `${i}.png`), PNG.sync.write(img));
    }
  }
  return root;
}

function sets(data: string, weights: string): string[] {
  return [
    "model.name=nfnet-micro",
    "data.name=imagefolder",
    `data.path=${data}`,
    "data.image_size=8",
    "train.steps=2",
    "train.batch_size=4",
    "optim.warmup_epochs=0",
    "agc.lambda=0.02",
    `model.init_from=${weights}`,
  ];
}

const opts = (db: string, s: string[]) => ({
  db,
  backend: "cpu" as const,
  sets: s,
  retryFailed: false,
  jobs: 1,
  single: true,
  figuresDir: path.join(dir, "figures"),
});

describe("fine-tuning from imported weights", async () => {
  await initBackend("cpu");
  const data = imageFolder(path.join(dir, "folder"));
  const model = buildModel(resolveModelSpec({ name: "nfnet-micro" }), {
    numClasses: 10,
    inputShape: [8, 8, 3],
    seed: 5,
  });
  const bytes = writeSafetensors(modelTensors(model, "timm"));
  model.dispose();
  const weights = path.join(dir, "pretrained.safetensors");
  fs.writeFileSync(weights, bytes);
  const sha = createHash("sha256").update(bytes).digest("hex");

  it("trains from the weights, stores their SHA-256, and says the classifier was re-initialised", async () => {
    const db = path.join(dir, "ft.db");
    const res = await runSweepFile(null, opts(db, sets(data, weights)));
    const store = RunStore.open(db, { readonly: true });
    try {
      const run = store.getRun(res.runIds[0] as number);
      assert.ok(run);
      assert.equal(run.status, "completed", run.error ?? "");
      const m = run.config.model as Record<string, unknown>;
      assert.equal(m.init_from_sha256, sha);
      const init = run.summary?.init_from as { sha256: string; names: string; note: string };
      assert.equal(init.sha256, sha);
      assert.equal(init.names, "timm");
      assert.match(init.note, /classifier re-initialised: the weights have 10 classes, the dataset 3/);
    } finally {
      store.close();
    }
  });

  it("the run's identity is the weights' SHA-256, not their path", () => {
    const copy = path.join(dir, "copy.safetensors");
    fs.copyFileSync(weights, copy);
    const cfg = (w: string) =>
      resolveConfig({
        model: { name: "nfnet-micro", init_from: w },
        data: { name: "imagefolder", path: data, image_size: 8 },
        train: { batch_size: 4, steps: 2 },
      });
    assert.equal(configHash(cfg(copy)), configHash(cfg(weights)));
    const other = path.join(dir, "other.safetensors");
    const changed = Uint8Array.from(bytes);
    changed[changed.length - 1] = (changed[changed.length - 1] as number) ^ 1;
    fs.writeFileSync(other, changed);
    assert.notEqual(configHash(cfg(other)), configHash(cfg(weights)));
  });

  it("weights of another architecture and a truncated file are refused; nothing is written to the store", async () => {
    const db = path.join(dir, "bad.db");
    const resnet = buildModel(resolveModelSpec({ name: "nf-resnet-micro" }), {
      numClasses: 10,
      inputShape: [8, 8, 3],
      seed: 1,
    });
    const wrong = path.join(dir, "resnet.safetensors");
    fs.writeFileSync(wrong, writeSafetensors(modelTensors(resnet, "nfx")));
    resnet.dispose();
    await assert.rejects(
      runSweepFile(null, opts(db, sets(data, wrong))),
      /model\.init_from: .*resnet\.safetensors: tensor stem\.conv0\.w \(nfx stem\.conv0\.w\)|is missing from the file|has no counterpart/,
    );
    // Weights of the right model for grey images (1 input channel) on an RGB image folder: refused before the run
    // is stored, naming the stem conv's shapes (the dataset's channels are known without reading it).
    const grey = buildModel(resolveModelSpec({ name: "nfnet-micro" }), {
      numClasses: 10,
      inputShape: [8, 8, 1],
      seed: 2,
    });
    const greyFile = path.join(dir, "grey.safetensors");
    fs.writeFileSync(greyFile, writeSafetensors(modelTensors(grey, "nfx")));
    grey.dispose();
    await assert.rejects(runSweepFile(null, opts(db, sets(data, greyFile))), /model\.init_from: .*\[3,3,1,/);
    const cut = path.join(dir, "cut.safetensors");
    fs.writeFileSync(cut, bytes.subarray(0, bytes.length - 100));
    await assert.rejects(
      runSweepFile(null, opts(db, sets(data, cut))),
      /model\.init_from: .*cut\.safetensors: truncated safetensors file/,
    );
    if (fs.existsSync(db)) {
      const store = RunStore.open(db, { readonly: true });
      try {
        assert.equal(store.listRuns().length, 0);
      } finally {
        store.close();
      }
    }
  });
});
