// `nfx weights export`'s core: a stored run's final weights (an artifact of kind `weights`, a safetensors of nfx
// names, here constructed by the test) exported under timm's names read back to the same tensors; a run without
// final weights is an error naming the run.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { it } from "node:test";
import { configHash } from "../../src/core/config/hash.js";
import { resolveConfig } from "../../src/core/config/resolve.js";
import { initBackend } from "../../src/core/engine/backend/backend.js";
import { buildModel } from "../../src/core/models/build.js";
import { resolveModelSpec } from "../../src/core/models/index.js";
import { exportRunWeights } from "../../src/core/runWeights/runWeights.js";
import { RunStore } from "../../src/core/store/runStore.js";
import { nameMap } from "../../src/core/weights/nameMaps.js";
import { writeSafetensors } from "../../src/core/weights/safetensors.js";
import { modelTensors, readWeightsFile } from "../../src/core/weights/weightsFile.js";
import { tempDir } from "../helpers.js";

it("exports a run's final weights under timm names; a run without them is an error", async () => {
  await initBackend("cpu");
  const dir = tempDir("nfx-export-");
  const cfg = resolveConfig({ model: { name: "nfnet-micro" }, data: { name: "synthetic", image_size: 8 } });
  const store = RunStore.open(path.join(dir, "s.db"));
  try {
    const { id } = store.ensureRun(cfg, configHash(cfg), null);
    const run = store.getRun(id);
    assert.ok(run);
    assert.throws(() => exportRunWeights(store, run, "timm", path.join(dir, "x.safetensors")), /has no final weights/);
    const model = buildModel(resolveModelSpec(cfg.model), { numClasses: 10, inputShape: [8, 8, 3], seed: 3 });
    const final = path.join(dir, "final.safetensors");
    fs.writeFileSync(final, writeSafetensors(modelTensors(model, "nfx")));
    store.addArtifact(id, "weights", final);
    const out = path.join(dir, "timm.safetensors");
    const res = exportRunWeights(store, run, "timm", out);
    assert.equal(res.tensors, model.params.length);
    const back = readWeightsFile(out);
    const want = new Map(modelTensors(model, "timm"));
    for (const e of nameMap(model.plan, "timm"))
      assert.deepEqual(back.tensors.get(e.source), want.get(e.source), e.source);
    assert.equal(back.metadata.names, "timm");
    model.dispose();
  } finally {
    store.close();
  }
});
