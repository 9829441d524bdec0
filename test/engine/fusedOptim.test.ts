// The fused wasm optimizer updates (engine/ops/fusedOptim.ts, used by optim/sgd.ts and optim/adam.ts on wasm)
// against the composed tfjs ops on the cpu backend: the same float32 operations in the same order, so weights and
// slots agree bit for bit over several steps — SGD Nesterov and heavy-ball, Adam and AdamW, with and without
// weight decay, lr 0 included; LARS to float32 rounding (its norms' sums run in another order).
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { initBackend } from "../../src/core/engine/backend/backend.js";
import { tf } from "../../src/core/engine/tf.js";
import { Adam } from "../../src/core/optim/adam.js";
import { Lars } from "../../src/core/optim/lars.js";
import type { Optimizer } from "../../src/core/optim/optimizer.js";
import { Sgd } from "../../src/core/optim/sgd.js";
import { int, pick, randomData, rng } from "./gradcheck.js";

interface SgdCase {
  shapes: number[][];
  decay: boolean[];
  opts: { momentum: number; nesterov: boolean; weightDecay: number };
  lrs: number[];
  seed: number;
  /** Which optimizer: SGD (momentum, nesterov), Adam (L2 decay) or AdamW (decoupled). */
  kind: "sgd" | "adam" | "adamw" | "lars";
}

function make(c: SgdCase, vars: tf.Variable[]): Optimizer {
  if (c.kind === "sgd") return new Sgd(vars, c.decay, c.opts);
  if (c.kind === "lars") return new Lars(vars, c.decay, { ...c.opts, trust: 0.001 });
  const adam = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: c.opts.weightDecay };
  return new Adam(vars, c.decay, adam, c.kind === "adamw");
}

function sgdCase(seed: number, kind: SgdCase["kind"]): SgdCase {
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
    kind,
  };
}

/** The weights and buffers after the case's steps on `backend`, as plain arrays. */
async function runOn(backend: string, c: SgdCase): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const r = rng(c.seed * 7919);
  const vars = c.shapes.map((s) => tf.variable(tf.tensor(randomData(r, s), s)));
  const sgd = make(c, vars);
  const before = tf.memory().numTensors;
  for (const [step, lr] of c.lrs.entries()) {
    const grads = c.shapes.map((s) => tf.tensor(randomData(r, s), s));
    sgd.apply(grads, lr, step);
    tf.dispose(grads);
  }
  assert.equal(tf.memory().numTensors, before, `${backend}: the steps leak no tensor`);
  const out = [...vars, ...sgd.slots.flatMap((s) => s.vars)].map((v) => v.dataSync() as Float32Array);
  sgd.dispose();
  tf.dispose(vars);
  return out;
}

describe("fused optimizer updates on wasm matches the tfjs ops on cpu", () => {
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

  test("one fused kernel call per Adam step on wasm", async () => {
    await tf.setBackend("wasm");
    const vars = [tf.variable(tf.ones([3, 3, 4, 8])), tf.variable(tf.ones([7]))];
    const adam = new Adam(vars, [true, false], { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1 }, true);
    const grads = vars.map((v) => tf.onesLike(v));
    const info = await tf.profile(() => adam.apply(grads, 0.1, 0));
    assert.deepEqual(
      info.kernels.map((k) => k.name),
      ["NfxAdamUpdate"],
    );
    adam.dispose();
    tf.dispose([...vars, ...grads]);
  });

  test("one fused kernel call per LARS step on wasm", async () => {
    await tf.setBackend("wasm");
    const vars = [tf.variable(tf.ones([3, 3, 4, 8])), tf.variable(tf.ones([7]))];
    const lars = new Lars(vars, [true, false], { momentum: 0.9, weightDecay: 5e-5, trust: 0.001 });
    const grads = vars.map((v) => tf.onesLike(v));
    const info = await tf.profile(() => lars.apply(grads, 0.1));
    assert.deepEqual(
      info.kernels.map((k) => k.name),
      ["NfxLarsUpdate"],
    );
    lars.dispose();
    tf.dispose([...vars, ...grads]);
  });

  test("60 random LARS cases: weights and buffers equal to float32 rounding after 4 steps", async () => {
    for (let seed = 1; seed <= 60; seed++) {
      const c = sgdCase(seed, "lars");
      const cpu = await runOn("cpu", c);
      const wasm = await runOn("wasm", c);
      cpu.forEach((x, i) => {
        const y = wasm[i] as Float32Array;
        const scale = x.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
        x.forEach((v, j) => {
          const what = `seed ${seed} ${JSON.stringify(c)} tensor ${i}[${j}]: ${y[j]} vs ${v}`;
          assert.ok(Math.abs((y[j] as number) - v) <= 1e-5 * scale, what);
        });
      });
    }
  });

  test("90 random cases (SGD, Adam, AdamW): weights and slots equal bit for bit after 4 steps", async () => {
    for (let seed = 1; seed <= 90; seed++) {
      const c = sgdCase(seed, (["sgd", "adam", "adamw"] as const)[seed % 3] as SgdCase["kind"]);
      const cpu = await runOn("cpu", c);
      const wasm = await runOn("wasm", c);
      cpu.forEach((x, i) => {
        assert.deepEqual(wasm[i], x, `seed ${seed} ${JSON.stringify(c)} tensor ${i}`);
      });
    }
  });
});
