// nfx computes what DeepMind's official code computes: width-reduced official NFNet and NF-ResNet (random init, every
// gain, bias and skip gain non-zero), their weights loaded into nfx by official name, give the official eval-mode
// logits within 1e-5 of the largest logit on the cpu and wasm backends — on a 64×64 batch and on a 70×54 one whose
// feature maps have odd sizes ('SAME' padding of strided convs and pools). Fixtures: reference/official_nfnets.py.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type BackendName, initBackend } from "../../src/core/engine/backend/backend.js";
import { tf } from "../../src/core/engine/tf.js";
import { buildModel, officialParamNames, resolveModelSpec } from "../../src/core/models/index.js";
import { testBackend } from "../helpers.js";
import { type OfficialNet, officialNets, type PackedArray, readFixture, unpack } from "./officialFixtures.js";

const INPUTS = readFixture<{ inputs: PackedArray[] }>("official-inputs.json").inputs;
const NETS = officialNets();

/**
 * Worst |nfx − official| over the logits, as a fraction of the largest official |logit|. `overrides` change the nfx
 * model (then official tensors it lacks are left out, and the count check is skipped).
 */
async function worstError(
  backend: BackendName,
  net: OfficialNet,
  input: PackedArray,
  logits: PackedArray,
  overrides: Record<string, unknown> = {},
) {
  await initBackend(backend);
  const [, h, w, c] = input.shape as [number, number, number, number];
  const spec = resolveModelSpec({ ...net.nfx, ...overrides });
  const model = buildModel(spec, { numClasses: logits.shape[1] as number, inputShape: [h, w, c], seed: 0 });
  try {
    const byName = new Map(model.params.map((p) => [p.name, p]));
    const names = officialParamNames(model.plan);
    if (Object.keys(overrides).length === 0) {
      assert.equal(names.length, Object.keys(net.params).length, "nfx and official tensor counts");
    }
    for (const { nfx, official } of names) {
      const value = net.params[official];
      assert.ok(value, `official tensor ${official} (nfx ${nfx}) is in the fixture`);
      const p = byName.get(nfx);
      assert.ok(p);
      assert.deepEqual(p.variable.shape, value.shape, official);
      const t = tf.tensor(unpack(value), value.shape);
      p.variable.assign(t);
      t.dispose();
    }
    const got = tf.tidy(() => {
      const x = tf.tensor4d(unpack(input), input.shape as [number, number, number, number]);
      return model.apply(x, { training: false }).dataSync() as Float32Array;
    });
    const want = unpack(logits);
    assert.equal(got.length, want.length);
    const scale = Math.max(...want.map(Math.abs));
    return Math.max(...want.map((v, i) => Math.abs(v - (got[i] as number)))) / scale;
  } finally {
    model.dispose();
  }
}

describe("official-code logits", () => {
  for (const backend of ["cpu", testBackend()] as BackendName[]) {
    for (const [name, net] of NETS) {
      INPUTS.forEach((input, i) => {
        it(`${name} on ${backend}, input [${input.shape}]: logits within 1e-5 of the largest`, async () => {
          const err = await worstError(backend, net, input, net.logits[i] as PackedArray);
          assert.ok(err <= 1e-5, `worst logit error ${err.toExponential(2)} of the largest logit`);
        });
      });
    }
  }

  it("the fixture tells: NF-ResNet without its stem bias (the official weights less that tensor) is 1%+ off (1000× the tolerance)", async () => {
    const [, resnet] = NETS[1] as [string, OfficialNet];
    const err = await worstError("cpu", resnet, INPUTS[0] as PackedArray, resnet.logits[0] as PackedArray, {
      stemBias: false,
    });
    assert.ok(err > 0.01, `error ${err} without the stem bias`);
  });
});
