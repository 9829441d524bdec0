// Every CPU-scale variant runs forward on the cpu and wasm backends with matching outputs (same seed → same
// weights on both), is deterministic in training mode for a given seed, takes one gradient step, and leaks no
// tensors.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type BackendName, initBackend } from "../../src/core/engine/backend/backend.js";
import { tf } from "../../src/core/engine/tf.js";
import { buildModel, resolveModelSpec } from "../../src/core/models/index.js";
import { testBackend } from "../helpers.js";

const MICROS = ["nf-resnet-micro", "bn-resnet-micro", "nfnet-micro"];

function inputs(channels: number): tf.Tensor4D {
  return tf.randomNormal([4, 28, 28, channels], 0, 1, "float32", 7) as tf.Tensor4D;
}

/** Reads a tensor's values and disposes it. */
function read(t: tf.Tensor): Float32Array {
  const v = t.dataSync() as Float32Array;
  t.dispose();
  return v;
}

async function forward(backend: BackendName, name: string, cfg: Record<string, unknown> = {}): Promise<Float32Array> {
  await initBackend(backend);
  const spec = resolveModelSpec({ name, ...cfg });
  const model = buildModel(spec, { numClasses: 10, inputShape: [28, 28, spec.inChannels], seed: 3 });
  try {
    return read(tf.tidy(() => model.apply(inputs(spec.inChannels), { training: false })));
  } finally {
    model.dispose();
  }
}

describe("micro variants forward on cpu and wasm", () => {
  for (const name of MICROS) {
    for (const cfg of [{}, { inChannels: 3 }]) {
      it(`${name} ${JSON.stringify(cfg)}: [4,28,28,c] → [4,10], cpu and wasm agree`, async () => {
        const [a, b] = [await forward("cpu", name, cfg), await forward(testBackend(), name, cfg)];
        assert.equal(a.length, 40);
        assert.ok(a.every(Number.isFinite));
        const scale = Math.max(...a.map(Math.abs));
        // float32 convs summed in different orders: agreement to 1e-4 of the output scale.
        for (const [i, v] of a.entries()) {
          assert.ok(Math.abs(v - (b[i] as number)) <= 1e-4 * scale + 1e-6, `logit ${i}: ${v} vs ${b[i]}`);
        }
      });
    }
  }

  it("the same seed builds the same weights; another seed does not", async () => {
    const [a, b] = [await forward("cpu", "nfnet-micro"), await forward("cpu", "nfnet-micro")];
    assert.deepEqual(Array.from(a), Array.from(b));
    await initBackend("cpu");
    const other = buildModel(resolveModelSpec({ name: "nfnet-micro" }), {
      numClasses: 10,
      inputShape: [28, 28, 1],
      seed: 4,
    });
    const c = read(tf.tidy(() => other.apply(inputs(1), { training: false })));
    other.dispose();
    assert.notDeepEqual(Array.from(a), Array.from(c));
  });
});

// Training runs on wasm, nfx's CPU backend; tfjs's pure-JS cpu backend takes seconds per backward pass.
describe("micro variants train", () => {
  for (const backend of [testBackend()] as BackendName[]) {
    for (const name of MICROS) {
      it(`${name} on ${backend}: training mode is seeded, one SGD step gives finite gradients, no leaks`, async () => {
        await initBackend(backend);
        const before = tf.memory().numTensors;
        const spec = resolveModelSpec({ name, skipGainInit: 1 });
        const model = buildModel(spec, { numClasses: 10, inputShape: [28, 28, 1], seed: 1 });
        const x = inputs(1);
        const labels = tf.tidy(() => tf.oneHot(tf.tensor1d([0, 1, 2, 3], "int32"), 10));
        const run = (seed: number) => read(tf.tidy(() => model.apply(x, { training: true, seed })));
        assert.deepEqual(Array.from(run(5)), Array.from(run(5)));
        const { value, grads } = tf.variableGrads(
          () => tf.losses.softmaxCrossEntropy(labels, model.apply(x, { training: true, seed: 1 })) as tf.Scalar,
          model.params.map((p) => p.variable),
        );
        assert.ok(Number.isFinite(value.dataSync()[0]));
        for (const p of model.params) {
          const g = grads[p.variable.name];
          assert.ok(g, `gradient for ${p.name}`);
          assert.ok(g.dataSync().every(Number.isFinite), `finite gradient for ${p.name}`);
        }
        const classifierGrad = grads[model.params.find((p) => p.role === "classifier_weight")?.variable.name ?? ""];
        assert.ok(classifierGrad && tf.tidy(() => classifierGrad.abs().sum().dataSync()[0] ?? 0) > 0);
        value.dispose();
        for (const g of Object.values(grads)) g.dispose();
        if (spec.norm === "batch") {
          const mean = model.state.find((p) => p.role === "bn_mean");
          assert.ok(mean && tf.tidy(() => mean.variable.abs().sum().dataSync()[0] ?? 0) > 0, "running mean moved");
        }
        x.dispose();
        labels.dispose();
        model.dispose();
        assert.equal(tf.memory().numTensors, before, "no tensors leaked");
      });
    }
  }
});
