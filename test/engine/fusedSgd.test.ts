// SGD's fused wasm update (engine/ops/fusedSgd.ts, used by optim/sgd.ts on wasm) against the composed tfjs ops on
// the cpu backend: the same float32 operations in the same order, so weights and momentum buffers agree bit for
// bit over several steps, for Nesterov and heavy-ball, with and without weight decay, lr 0 included.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { initBackend } from "../../src/core/engine/backend/backend.js";
import { tf } from "../../src/core/engine/tf.js";
import { Sgd } from "../../src/core/optim/sgd.js";
import { int, pick, randomData, rng } from "./gradcheck.js";

interface SgdCase {
  shapes: number[][];
  decay: boolean[];
  opts: { momentum: number; nesterov: boolean; weightDecay: number };
  lrs: number[];
  seed: number;
}

function sgdCase(seed: number): SgdCase {
  const r = rng(seed);
  const shapes = Array.from({ length: int(r, 1, 5) }, () =>
    Array.from({ length: int(r, 0, 4) }, () => pick(r, [1, 2, 3, 5, 8, 16])),
  );
  return {
    shapes,
    decay: shapes.map(() => r() < 0.5),
    opts: { momentum: pick(r, [0, 0.9, 0.95]), nesterov: r() < 0.5, weightDecay: pick(r, [0, 5e-5, 1e-3]) },
    lrs: [0, pick(r, [0.1, 0.4]), pick(r, [0.05, 1.6]), 0.01],
    seed,
  };
}

/** The weights and buffers after the case's steps on `backend`, as plain arrays. */
async function runOn(backend: string, c: SgdCase): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const r = rng(c.seed * 7919);
  const vars = c.shapes.map((s) => tf.variable(tf.tensor(randomData(r, s), s)));
  const sgd = new Sgd(vars, c.decay, c.opts);
  const before = tf.memory().numTensors;
  for (const lr of c.lrs) {
    const grads = c.shapes.map((s) => tf.tensor(randomData(r, s), s));
    sgd.apply(grads, lr);
    tf.dispose(grads);
  }
  assert.equal(tf.memory().numTensors, before, `${backend}: the steps leak no tensor`);
  const out = [...vars, ...(sgd.slots[0]?.vars ?? [])].map((v) => v.dataSync() as Float32Array);
  sgd.dispose();
  tf.dispose(vars);
  return out;
}

describe("fused SGD on wasm matches the tfjs ops on cpu", () => {
  before(async () => {
    await initBackend("wasm");
  });

  test("one fused kernel call per step on wasm", async () => {
    await tf.setBackend("wasm");
    const vars = [tf.variable(tf.ones([3, 3, 4, 8])), tf.variable(tf.ones([8]))];
    const sgd = new Sgd(vars, [true, false], { momentum: 0.9, nesterov: true, weightDecay: 5e-5 });
    const grads = vars.map((v) => tf.onesLike(v));
    const info = await tf.profile(() => sgd.apply(grads, 0.1));
    assert.deepEqual(
      info.kernels.map((k) => k.name),
      ["NfxSgdUpdate"],
    );
    sgd.dispose();
    tf.dispose([...vars, ...grads]);
  });

  test("60 random cases: weights and momentum buffers equal bit for bit after 4 steps", async () => {
    for (let seed = 1; seed <= 60; seed++) {
      const c = sgdCase(seed);
      const cpu = await runOn("cpu", c);
      const wasm = await runOn("wasm", c);
      cpu.forEach((x, i) => {
        assert.deepEqual(wasm[i], x, `seed ${seed} ${JSON.stringify(c)} tensor ${i}`);
      });
    }
  });
});
