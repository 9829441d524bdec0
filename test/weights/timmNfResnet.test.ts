// Issue 25 item 7: timm's nf_resnet* weights are refused with the reason (timm's NF-ResNet is another network than
// the official one nfx builds), from the names of timm's own nf_resnet50 (reference/timm_keys.py wrote them); and a
// scalar stored as a one-value tensor ([1], as PyTorch stores a skip gain readily) loads into a scalar.
import assert from "node:assert/strict";
import fs from "node:fs";
import { describe, it } from "node:test";
import { initBackend } from "../../src/core/engine/backend/backend.js";
import { buildModel } from "../../src/core/models/build.js";
import { resolveModelSpec } from "../../src/core/models/index.js";
import { planModel } from "../../src/core/models/plan.js";
import { detectSource, nameMap } from "../../src/core/weights/nameMaps.js";
import type { HostTensor } from "../../src/core/weights/tensors.js";
import { assignWeights, fitWeights, modelTensors, type WeightsFile } from "../../src/core/weights/weightsFile.js";

const timm = JSON.parse(
  fs.readFileSync(new URL("../../reference/fixtures/weights/timm-nf_resnet50-keys.json", import.meta.url), "utf8"),
) as { timm: string; model: string; keys: [string, number[]][] };

/** A weights file holding `tensors` (in memory: fitWeights reads nothing else). */
function fileOf(tensors: [string, HostTensor][], name = "weights.safetensors"): WeightsFile {
  return { path: name, format: "safetensors", sha256: "0", tensors: new Map(tensors), metadata: {}, checkpoint: null };
}

/** timm's nf_resnet50 state dict: its real names and shapes, zeros for values (never read before the refusal). */
const timmFile = () =>
  fileOf(
    timm.keys.map(([k, shape]) => [k, { shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) }]),
    "nf_resnet50.safetensors",
  );

const REASON =
  /nf_resnet50\.safetensors: weights of timm's nf_resnet\*: timm's nf_resnet\* is not the official NF-ResNet that nfx builds: its strided shortcut average-pools .*symmetrically.*no skip gain.*γ is folded into the weights/;

describe("timm's nf_resnet* weights", async () => {
  await initBackend("cpu");

  it(`timm ${timm.timm} nf_resnet50 into nfx's NF-ResNet-50: refused, naming the four differences`, () => {
    assert.equal(timm.keys.length, 161);
    assert.ok(!timm.keys.some(([k]) => k.includes("skipinit_gain")), "timm's nf_resnet50 has no skip gains");
    assert.equal(detectSource(timm.keys.map(([k]) => k)), "timm");
    const plan = planModel(resolveModelSpec({ name: "nf-resnet-50" }), { inputShape: [224, 224, 3], numClasses: 1000 });
    assert.throws(() => fitWeights({ plan, spec: plan.spec }, timmFile()), REASON);
    // Into an NFNet as well: the names alone say whose weights they are.
    const f0 = planModel(resolveModelSpec({ name: "nfnet-f0" }), { inputShape: [192, 192, 3], numClasses: 1000 });
    assert.throws(() => fitWeights({ plan: f0, spec: f0.spec }, timmFile()), REASON);
  });

  it("nfx's NF-ResNets have no timm names, so no nfx export can pose as timm's nf_resnet", () => {
    const plan = planModel(resolveModelSpec({ name: "nf-resnet-micro" }), { inputShape: [16, 16, 1], numClasses: 10 });
    assert.throws(() => nameMap(plan, "timm"), /model nf-resnet-micro: no timm names: timm's nf_resnet\* is not/);
  });

  it("a skip gain stored as [1] (or [1, 1]) loads as the scalar it is; [2] is still refused", () => {
    const model = buildModel(resolveModelSpec({ name: "nfnet-micro" }), {
      numClasses: 10,
      inputShape: [16, 16, 3],
      seed: 0,
    });
    try {
      const tensors = modelTensors(model, "timm");
      const gain = tensors.find(([k]) => k.endsWith("skipinit_gain"));
      assert.ok(gain);
      assert.deepEqual(gain[1].shape, []);
      const as = (shape: number[], data: number[]) =>
        fileOf(tensors.map(([k, t]) => [k, k === gain[0] ? { shape, data: Float32Array.from(data) } : t]));
      for (const shape of [[1], [1, 1]]) {
        const fitted = fitWeights(model, as(shape, [0.25]));
        assignWeights(model, fitted);
        const p = model.params.find((q) => q.role === "skip_gain" && fitted.values.get(q.name)?.data[0] === 0.25);
        assert.ok(p, `a [${shape}] skip gain was loaded`);
        assert.deepEqual(p.variable.shape, []);
        assert.equal(p.variable.dataSync()[0], 0.25);
      }
      assert.throws(() => fitWeights(model, as([2], [0.25, 0.5])), /skipinit_gain .*expected shape \[\], got \[2\]/);
    } finally {
      model.dispose();
    }
  });
});
