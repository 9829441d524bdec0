// Pretrained-format weights compute what their reference computes. reference/fixtures/weights/nfnet-tiny.*: one
// random official NFNet (every gain, bias and skip gain non-zero) as DeepMind's flattened Haiku dict (np.savez, HWIO)
// and as timm's NormFreeNet state dict (safetensors, OIHW), with the official code's logits and timm's, on a 64×64
// batch and a 70×54 one whose feature maps have odd sizes ('SAME' padding). Made by reference/official_weights.py.
// nfx loads the npz into the model of `nfx_config` and matches the official logits within 1e-4 of the largest
// logit; the timm file loads to the same tensors; with model.forms timm nfx matches timm's logits within 1e-4.
import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import { type BackendName, initBackend } from "../../src/core/engine/backend/backend.js";
import { tf } from "../../src/core/engine/tf.js";
import { buildModel } from "../../src/core/models/build.js";
import { resolveModelSpec } from "../../src/core/models/index.js";
import { assignWeights, fitWeights, readWeightsFile } from "../../src/core/weights/weightsFile.js";
import { FIXTURES, type PackedArray, readFixture, unpack } from "../models/officialFixtures.js";

interface WeightsFixture {
  nfx_config: { name: string; numClasses: number; [k: string]: unknown };
  input_names: string[];
  official_logits: Record<string, number[][]>;
  timm_logits: Record<string, number[][]>;
}

const FIX = readFixture<WeightsFixture>("weights/nfnet-tiny.json");
const INPUTS = readFixture<{ inputs: PackedArray[] }>("official-inputs.json").inputs;
const NPZ = path.join(FIXTURES, "weights/nfnet-tiny.deepmind.npz");
const TIMM = path.join(FIXTURES, "weights/nfnet-tiny.timm.safetensors");

function worst(got: Float32Array, want: number[][]): number {
  const flat = want.flat();
  const scale = Math.max(...flat.map(Math.abs));
  return Math.max(...flat.map((v, i) => Math.abs(v - (got[i] as number)))) / scale;
}

async function logitsOf(backend: BackendName, file: string, forms: "official" | "timm", input: PackedArray) {
  await initBackend(backend);
  const [, h, w, c] = input.shape as [number, number, number, number];
  const { numClasses, ...cfg } = FIX.nfx_config;
  const spec = resolveModelSpec({ ...cfg, forms });
  const model = buildModel(spec, { numClasses, inputShape: [h, w, c], seed: 0 });
  try {
    assignWeights(model, fitWeights(model, readWeightsFile(file)));
    return tf.tidy(() => {
      const x = tf.tensor4d(unpack(input), input.shape as [number, number, number, number]);
      return model.apply(x, { training: false }).dataSync() as Float32Array;
    });
  } finally {
    model.dispose();
  }
}

describe("pretrained-format weights", () => {
  it("timm's state dict loads to exactly the tensors of DeepMind's npz", async () => {
    await initBackend("cpu");
    const { numClasses, ...cfg } = FIX.nfx_config;
    const model = buildModel(resolveModelSpec(cfg), { numClasses, inputShape: [64, 64, 3], seed: 0 });
    try {
      const npz = readWeightsFile(NPZ);
      const timm = readWeightsFile(TIMM);
      assert.equal(npz.format, "npz");
      assert.equal(timm.format, "safetensors");
      const a = fitWeights(model, npz);
      const b = fitWeights(model, timm);
      assert.equal(a.source, "deepmind");
      assert.equal(b.source, "timm");
      assert.equal(a.values.size, model.params.length);
      for (const p of model.params) assert.deepEqual(b.values.get(p.name), a.values.get(p.name), p.name);
    } finally {
      model.dispose();
    }
  });

  for (const backend of ["cpu", "wasm"] as BackendName[]) {
    FIX.input_names.forEach((name, i) => {
      const input = INPUTS[i] as PackedArray;
      it(`${backend}, ${name}: DeepMind npz → the official logits within 1e-4 of the largest`, async () => {
        const err = worst(await logitsOf(backend, NPZ, "official", input), FIX.official_logits[name] as number[][]);
        assert.ok(err < 1e-4, `worst error ${err}`);
      });
      it(`${backend}, ${name}: timm safetensors with model.forms timm → timm's logits within 1e-4`, async () => {
        const err = worst(await logitsOf(backend, TIMM, "timm", input), FIX.timm_logits[name] as number[][]);
        assert.ok(err < 1e-4, `worst error ${err}`);
        // And the forms matter: the official forms miss timm's logits by far more.
        const off = worst(await logitsOf(backend, TIMM, "official", input), FIX.timm_logits[name] as number[][]);
        assert.ok(off > 10 * err, `official forms vs timm: ${off}`);
      });
    });
  }
});
