// The NF block's fused wasm kernels (weight standardisation, scaled ReLU with a bias, the residual merge) must give the unfused tfjs ops'
// values and gradients on the cpu backend, over randomized shapes, both WS forms and the N·var floor's inactive
// branch; shapes the kernels do not take (channels not in groups of 4) go through the tfjs ops on wasm too.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { initBackend } from "../../src/core/engine/backend/backend.js";
import { addBias } from "../../src/core/engine/ops/biasAdd.js";
import { residualMerge, residualMergeApplies } from "../../src/core/engine/ops/residualMerge.js";
import { scaledReluApplies } from "../../src/core/engine/ops/scaledRelu.js";
import { stepChecks } from "../../src/core/engine/ops/stepChecks.js";
import { wsFusedApplies } from "../../src/core/engine/ops/weightStandardization.js";
import { tf } from "../../src/core/engine/tf.js";
import { activate } from "../../src/core/models/activations.js";
import { buildModel } from "../../src/core/models/build.js";
import { resolveModelSpec } from "../../src/core/models/resolve.js";
import { standardizeWeight } from "../../src/core/models/wsConv.js";
import { softCrossEntropy } from "../../src/core/train/loss.js";
import { GRAD_TOL, gradsOn, int, pick, randomData, relError, rng } from "./gradcheck.js";

type Input = { data: Float32Array; shape: number[] };

/** f's value on `backend` at `inputs`. */
async function valueOn(backend: string, f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: Input[]): Promise<Float32Array> {
  await tf.setBackend(backend);
  const xs = inputs.map((i) => tf.tensor(i.data, i.shape));
  try {
    const y = f(...xs);
    const out = (await y.data()) as Float32Array;
    y.dispose();
    return out;
  } finally {
    tf.dispose(xs);
  }
}

/** f on wasm against f on cpu: values and the gradients of every input, relative error < GRAD_TOL. */
async function matchesCpu(label: string, f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: Input[], seed: number) {
  const valueErr = relError(await valueOn("wasm", f, inputs), await valueOn("cpu", f, inputs));
  assert.ok(valueErr < GRAD_TOL, `${label}: value differs from cpu by ${valueErr.toExponential(2)}`);
  const cpu = await gradsOn("cpu", f, inputs, seed);
  const wasm = await gradsOn("wasm", f, inputs, seed);
  cpu.forEach((c, i) => {
    const err = relError(wasm[i] as Float32Array, c);
    assert.ok(err < GRAD_TOL, `${label}: gradient ${i} differs from cpu by ${err.toExponential(2)}`);
  });
}

/** A random HWIO kernel; with `flat`, one output channel is constant and one tiny (N·var below the floor). */
function wsCase(seed: number, groupsOf4: boolean, flat: boolean): { w: Input; gain: Input } {
  const r = rng(seed);
  const k = pick(r, [1, 3]);
  const cout = groupsOf4 ? 4 * int(r, 1, 8) : pick(r, [1, 2, 3, 5, 6, 7, 9]);
  const shape = [k, pick(r, [1, 2, 3]), int(r, 1, 12), cout];
  const data = randomData(r, shape);
  if (flat) {
    for (let i = 0; i < data.length; i += cout) {
      data[i] = 0.25; // channel 0 constant: var = 0
      if (cout > 1) data[i + 1] = (data[i + 1] as number) * 1e-4; // channel 1: N·var ≪ 1e-4
    }
  }
  const gain = Float32Array.from({ length: cout }, () => 0.5 + r());
  return { w: { data, shape }, gain: { data: gain, shape: [cout] } };
}

describe("nfblock fused kernels match the unfused tfjs ops on cpu", () => {
  before(async () => {
    await initBackend("wasm");
  });

  test("weight standardisation (official and timm forms), value and gradients, 40 random kernels", async () => {
    for (let seed = 1; seed <= 40; seed++) {
      const form = seed % 2 === 0 ? "timm" : "official";
      const flat = seed % 5 === 0;
      const c = wsCase(seed, seed % 8 !== 7, flat);
      const f = (w: tf.Tensor, g: tf.Tensor) => standardizeWeight(w as tf.Tensor4D, g as tf.Tensor1D, form);
      const label = `ws ${form} ${JSON.stringify(c.w.shape)}${flat ? " flat channels" : ""} (seed ${seed})`;
      await tf.setBackend("wasm");
      const fused = c.w.shape[3] % 4 === 0;
      const probe = tf.zeros(c.w.shape as [number, number, number, number]) as tf.Tensor4D;
      assert.equal(wsFusedApplies(probe, tf.ones([c.w.shape[3] as number])), fused, `${label}: fused on wasm`);
      probe.dispose();
      await matchesCpu(label, f, [c.w, c.gain], seed + 1000);
    }
  });

  test("scaled ReLU with and without a bias (activate: relu·γ·β), value and gradients, 40 random shapes", async () => {
    for (let seed = 101; seed <= 140; seed++) {
      const r = rng(seed);
      const c = pick(r, [4, 8, 12, 16, 32, 3, 5]);
      const shape = [int(r, 1, 4), int(r, 1, 9), int(r, 1, 9), c];
      const withBias = r() < 0.6;
      const post = pick(r, [1, 0.98, 1.3]);
      const scaled = r() < 0.8;
      const inputs: Input[] = [{ data: randomData(r, shape), shape }];
      if (withBias) inputs.push({ data: randomData(r, [c]), shape: [c] });
      const f = (x: tf.Tensor, b?: tf.Tensor) =>
        activate(x as tf.Tensor4D, "relu", scaled, "official", post, (b ?? null) as tf.Tensor1D | null);
      const label = `relu ${JSON.stringify(shape)} bias ${withBias} scaled ${scaled} post ${post} (seed ${seed})`;
      await tf.setBackend("wasm");
      const x = tf.zeros(shape);
      const b = withBias ? tf.zeros([c]) : null;
      const expectFused = (withBias ? c : x.size) % 4 === 0;
      assert.equal(scaledReluApplies(x, b, post), expectFused, `${label}: fused on wasm`);
      tf.dispose([x, ...(b ? [b] : [])]);
      await matchesCpu(label, f, inputs, seed + 1000);
    }
  });

  test("scaled ReLU passes NaN on in its value and gradient, as tfjs's Relu and Step do", async () => {
    await tf.setBackend("wasm");
    const x = tf.tensor4d([1, Number.NaN, -1, 2], [1, 1, 1, 4]);
    const b = tf.zeros([4]) as tf.Tensor1D;
    assert.ok(scaledReluApplies(x, b, 2));
    const [y, [dx]] = tf.tidy(() => {
      const f = (t: tf.Tensor) => activate(t as tf.Tensor4D, "relu", true, "official", 2, b);
      return [f(x), tf.grads((t: tf.Tensor) => f(t).sum())([x])] as const;
    });
    const gamma = 1.7139588594436646 * 2;
    const yv = Array.from(await y.data());
    assert.ok(Math.abs((yv[0] as number) - gamma) < 1e-5 && Number.isNaN(yv[1]) && yv[2] === 0);
    const dv = Array.from(await (dx as tf.Tensor).data());
    assert.ok(Math.abs((dv[0] as number) - gamma) < 1e-5 && Number.isNaN(dv[1]) && dv[2] === 0, `${dv}`);
    tf.dispose([x, b, y, dx as tf.Tensor]);
  });

  test("residual merge h·keep·g·α + s (+ bias), value and gradients of h, g, s and the bias, 30 random shapes", async () => {
    for (let seed = 201; seed <= 230; seed++) {
      const r = rng(seed);
      const c = pick(r, [4, 8, 16, 12, 3, 6]);
      const shape = [int(r, 1, 5), int(r, 1, 7), int(r, 1, 7), c];
      const withBias = r() < 0.6;
      const alpha = pick(r, [0.2, 1, 0.5]);
      const keep = Float32Array.from({ length: shape[0] as number }, () => (r() < 0.7 ? 1 : 0));
      const inputs: Input[] = [
        { data: randomData(r, shape), shape },
        { data: randomData(r, []), shape: [] },
        { data: randomData(r, shape), shape },
      ];
      if (withBias) inputs.push({ data: randomData(r, [c]), shape: [c] });
      // The fused op where it applies, else the tfjs ops nfBlock.ts falls back to.
      const f = (h: tf.Tensor, g: tf.Tensor, sc: tf.Tensor, b?: tf.Tensor) => {
        const bias = (b ?? null) as tf.Tensor1D | null;
        if (residualMergeApplies(h, g, sc, bias)) {
          return residualMerge(h as tf.Tensor4D, g, alpha, sc as tf.Tensor4D, bias, keep);
        }
        const masked = tf.mul(h, tf.tensor4d(keep, [keep.length, 1, 1, 1]));
        return tf.add(tf.mul(tf.mul(masked, g), alpha), bias ? tf.add(sc, bias) : sc);
      };
      const label = `merge ${JSON.stringify(shape)} bias ${withBias} keep ${Array.from(keep)} (seed ${seed})`;
      await tf.setBackend("wasm");
      const [h, g, b] = [tf.zeros(shape), tf.scalar(1), withBias ? tf.zeros([c]) : null];
      assert.equal(residualMergeApplies(h, g, h, b), c % 4 === 0, `${label}: fused on wasm`);
      tf.dispose([h, g, ...(b ? [b] : [])]);
      await matchesCpu(label, f, inputs, seed + 1000);
    }
  });

  test("nf-resnet-micro with stochastic depth: loss and every parameter's gradient on wasm match cpu", async () => {
    const spec = { ...resolveModelSpec({ name: "nf-resnet-micro" }), stochDepth: 0.5, skipGainInit: 0.7 };
    const r = rng(7);
    const x = randomData(r, [6, 28, 28, 1]);
    const grads = async (backend: string) => {
      await tf.setBackend(backend);
      const model = buildModel(spec, { numClasses: 10, inputShape: [28, 28, 1], seed: 3 });
      try {
        const { value, grads: g } = tf.variableGrads(() => {
          const logits = model.apply(tf.tensor4d(x, [6, 28, 28, 1]), { training: true, seed: 11 });
          return tf.mean(tf.square(logits)) as tf.Scalar;
        });
        const out = [await value.data(), ...model.params.map((p) => g[p.variable.name]?.dataSync() as Float32Array)];
        tf.dispose([value, ...Object.values(g)]);
        return { out, names: model.params.map((p) => p.name) };
      } finally {
        model.dispose();
      }
    };
    const cpu = await grads("cpu");
    const wasm = await grads("wasm");
    cpu.out.forEach((c, i) => {
      const err = relError(wasm.out[i] as Float32Array, c as Float32Array);
      assert.ok(err < GRAD_TOL, `${i === 0 ? "loss" : cpu.names[i - 1]}: differs from cpu by ${err.toExponential(2)}`);
    });
  });

  test("step checks: Σ 0·w is 0 or NaN as cpu's (NaN, ±Inf anywhere, odd sizes) and the skip gains' mean |g|", async () => {
    for (let seed = 301; seed <= 330; seed++) {
      const r = rng(seed);
      const weights = Array.from({ length: int(r, 1, 6) }, () => {
        const shape = [int(r, 1, 5), int(r, 1, 7)];
        return { data: randomData(r, shape), shape };
      });
      const bad = pick(r, [null, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]);
      if (bad !== null) {
        const w = pick(r, weights);
        w.data[int(r, 0, w.data.length - 1)] = bad;
      }
      const gains = Array.from({ length: int(r, 0, 3) }, () => ({ data: randomData(r, []), shape: [] as number[] }));
      const on = async (backend: string) => {
        await tf.setBackend(backend);
        const ws = weights.map((w) => tf.tensor(w.data, w.shape));
        const gs = gains.map((g) => tf.tensor(g.data, g.shape));
        const out = stepChecks(ws, gs);
        const v = Array.from(await out.data());
        tf.dispose([out, ...ws, ...gs]);
        return v;
      };
      const [cpu, wasm] = [await on("cpu"), await on("wasm")];
      const label = `step checks (seed ${seed}, bad ${bad})`;
      assert.equal(Number.isNaN(cpu[0]), bad !== null, label);
      assert.ok(wasm[0] === cpu[0] || (Number.isNaN(wasm[0]) && Number.isNaN(cpu[0])), `${label}: ${wasm}`);
      assert.ok(Math.abs((wasm[1] as number) - (cpu[1] as number)) < 1e-6, `${label}: mean |g| ${wasm} vs ${cpu}`);
    }
  });

  test("softmax cross-entropy's hand-written gradient equals autodiff through log-softmax, on cpu and wasm", async () => {
    for (let seed = 401; seed <= 420; seed++) {
      const r = rng(seed);
      const shape = [int(r, 1, 9), int(r, 2, 12)];
      const smoothing = pick(r, [0, 0.1, 0.3]);
      // Soft targets (MixUp-like rows summing to 1, or not) and scaled logits, so that the Σt factor matters.
      const targets = Float32Array.from(randomData(r, shape), (v) => Math.abs(v));
      const logits = { data: Float32Array.from(randomData(r, shape), (v) => 4 * v), shape };
      const t = () => tf.tensor2d(targets, shape as [number, number]);
      const reference = (z: tf.Tensor) => {
        const target = t()
          .mul(1 - smoothing)
          .add(smoothing / (shape[1] as number));
        return target
          .mul(z.sub(z.logSumExp(1, true)))
          .sum(1)
          .neg()
          .mean();
      };
      for (const backend of ["cpu", "wasm"]) {
        const fused = (z: tf.Tensor) => softCrossEntropy(z as tf.Tensor2D, t(), smoothing);
        const [value, want] = [await valueOn(backend, fused, [logits]), await valueOn(backend, reference, [logits])];
        const label = `cross-entropy ${JSON.stringify(shape)} s=${smoothing} on ${backend} (seed ${seed})`;
        assert.ok(relError(value, want) < 1e-6, `${label}: value ${value} vs ${want}`);
        const [g] = await gradsOn(backend, fused, [logits], seed);
        const [gWant] = await gradsOn(backend, reference, [logits], seed);
        const err = relError(g as Float32Array, gWant as Float32Array);
        assert.ok(err < GRAD_TOL, `${label}: gradient differs by ${err.toExponential(2)}`);
      }
    }
  });

  test("conv bias add (and a GELU after it), value and gradients of z and the bias, 20 random shapes", async () => {
    for (let seed = 501; seed <= 520; seed++) {
      const r = rng(seed);
      const c = pick(r, [4, 8, 16, 3, 6]);
      const shape = [int(r, 1, 4), int(r, 1, 6), int(r, 1, 6), c];
      const inputs: Input[] = [
        { data: randomData(r, shape), shape },
        { data: randomData(r, [c]), shape: [c] },
      ];
      const label = `bias add ${JSON.stringify(shape)} (seed ${seed})`;
      await matchesCpu(label, (z, b) => addBias(z, b as tf.Tensor1D), inputs, seed + 1000);
      const gelu = (z: tf.Tensor, b: tf.Tensor) => activate(z, "gelu", true, "official", 0.9, b as tf.Tensor1D);
      await matchesCpu(`${label} + gelu`, gelu, inputs, seed + 2000);
    }
  });
});
