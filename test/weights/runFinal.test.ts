// A run's final weights, end to end: tiny runs trained by the real sweep path (runSweepFile) end with a final
// checkpoint (train/checkpoint.ts); `nfx weights export RUN` takes the model's weights from it — the EMA averages
// for a run with optim.ema_decay, else the parameters, plus BatchNorm running statistics — and the exported file,
// the checkpoint itself and `nfx eval --weights RUN` all evaluate to the run's stored test top-1 exactly (same
// backend, same test split).
import assert from "node:assert/strict";
import path from "node:path";
import { before, describe, it } from "node:test";
import Eval from "../../src/commands/eval.js";
import { initBackend } from "../../src/core/engine/backend/backend.js";
import { finalWeightsPath } from "../../src/core/runWeights/finalWeights.js";
import { evalWeights, exportRunWeights } from "../../src/core/runWeights/runWeights.js";
import { RunStore } from "../../src/core/store/runStore.js";
import type { StoredRun } from "../../src/core/store/runTypes.js";
import { FINAL_CHECKPOINT } from "../../src/core/train/checkpoint.js";
import { readSafetensorsFile } from "../../src/core/weights/safetensors.js";
import { readWeightsFile } from "../../src/core/weights/weightsFile.js";
import { runSweepFile } from "../../src/experiments/sweepFile.js";
import { tempDir } from "../helpers.js";

const dir = tempDir("nfx-final-");
const root = path.resolve(import.meta.dirname, "../..");

const CASES = {
  "BatchNorm ResNet (parameters and running statistics)": {
    sets: ["model.name=bn-resnet-micro"],
    weights: "param",
  },
  "NFNet with EMA (the averaged weights)": {
    sets: ["model.name=nfnet-micro", "optim.ema_decay=0.5", "agc.lambda=0.02"],
    weights: "ema",
  },
} as const;

async function trainOne(db: string, sets: readonly string[]): Promise<StoredRun> {
  const res = await runSweepFile(null, {
    db,
    backend: "cpu",
    sets: [
      ...sets,
      "data.name=synthetic",
      "data.image_size=8",
      "data.train_size=32",
      "data.test_size=24",
      "train.steps=6",
      "train.batch_size=8",
      "optim.warmup_epochs=0",
    ],
    retryFailed: false,
    jobs: 1,
    single: true,
    figuresDir: path.join(dir, "figures"),
  });
  const store = RunStore.open(db, { readonly: true });
  try {
    const run = store.getRun(res.runIds[0] as number);
    assert.ok(run);
    assert.equal(run.status, "completed", run.error ?? "");
    return run;
  } finally {
    store.close();
  }
}

describe("a run's final weights", () => {
  before(() => initBackend("cpu"));
  for (const [title, c] of Object.entries(CASES)) {
    it(`${title}: exported, they evaluate to the run's stored test top-1`, async () => {
      const db = path.join(dir, `${c.weights}.db`);
      const run = await trainOne(db, c.sets);
      const stored = run.summary?.test_top1 as number;
      assert.equal(typeof stored, "number");
      const store = RunStore.open(db, { readonly: true });
      let ckpt: string;
      let exported: ReturnType<typeof exportRunWeights>;
      let storedLoss: number | null | undefined;
      const out = path.join(dir, `${c.weights}.safetensors`);
      try {
        ckpt = finalWeightsPath(store, run);
        assert.equal(path.basename(ckpt), FINAL_CHECKPOINT);
        exported = exportRunWeights(store, run, "nfx", out);
        storedLoss = store
          .evals(run.id)
          .filter((e) => e.split === "test")
          .at(-1)?.loss;
      } finally {
        store.close();
      }
      assert.equal(exported.weights, c.weights);
      // What the export holds: the checkpoint's `ema/` or `param/` tensors, and its `state/` ones, bit for bit.
      const raw = readSafetensorsFile(ckpt).tensors;
      const file = readWeightsFile(out);
      assert.equal(file.metadata.nfx_weights, c.weights);
      const states = [...raw.keys()].filter((k) => k.startsWith("state/"));
      assert.equal(states.length > 0, c.weights === "param", "BN running statistics only in the BN model");
      assert.equal(file.tensors.size, [...raw.keys()].filter((k) => k.startsWith("param/")).length + states.length);
      for (const [name, t] of file.tensors) {
        const src = raw.get(`state/${name}`) ?? raw.get(`${c.weights}/${name}`);
        assert.ok(src, name);
        assert.deepEqual(t.data, src.data, name);
      }
      if (c.weights === "ema") {
        // The averages are not the parameters (else this case would test nothing).
        const some = [...file.tensors.keys()].find(
          (n) => raw.get(`param/${n}`)?.data.some((v, i) => v !== raw.get(`ema/${n}`)?.data[i]) === true,
        );
        assert.ok(some, "EMA averages differ from the parameters");
      }
      const on = (weights: string) =>
        evalWeights({
          weights,
          model: run.config.model as { name: string },
          data: run.config.data as { name: string },
          split: "test",
          seed: run.config.seed,
        });
      const fromExport = await on(out);
      assert.equal(fromExport.n, 24);
      assert.equal(fromExport.top1, stored);
      // The test loss too (a finer check than top-1 on 24 examples).
      assert.equal(typeof storedLoss, "number");
      assert.equal(fromExport.loss, storedLoss);
      console.log(
        `${title}: stored test top-1 ${stored}, loss ${storedLoss}; exported ${fromExport.top1}, ${fromExport.loss}`,
      );
      const fromCheckpoint = await on(ckpt);
      assert.equal(fromCheckpoint.checkpointWeights, c.weights);
      assert.equal(fromCheckpoint.top1, stored);
      assert.equal(fromCheckpoint.loss, fromExport.loss);
      // `nfx eval --weights RUN`: the command, on the run's own model and data.
      const cli = (await Eval.run(
        ["--weights", String(run.id), "--db", db, "--backend", "cpu", "--json", "--quiet"],
        root,
      )) as { top1: number; checkpointWeights: string; weights: string };
      assert.equal(cli.top1, stored);
      assert.equal(cli.checkpointWeights, c.weights);
      assert.equal(cli.weights, ckpt);
      // `nfx eval --weights checkpoints/<store file name>/<hash>/final.safetensors`: the run's model and data from the store.
      const byFile = (await Eval.run(
        ["--weights", ckpt, "--db", db, "--backend", "cpu", "--json", "--quiet"],
        root,
      )) as {
        top1: number;
        loss: number;
      };
      assert.equal(byFile.top1, stored);
      assert.equal(byFile.loss, storedLoss);
    });
  }
});
