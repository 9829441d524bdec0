// timm's forms (model.forms: timm): weight standardisation gain·(W − μ)·N^-½/sqrt(var + 1e-5) as timm's
// ScaledStdConv2dSame computes it, and GELU in its erf form, on cpu and wasm; the default stays the official code's
// and leaves configs' hashes as they were.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { configHash } from "../../src/core/config/hash.js";
import { resolveConfig } from "../../src/core/config/resolve.js";
import { type BackendName, initBackend } from "../../src/core/engine/backend/backend.js";
import { tf } from "../../src/core/engine/tf.js";
import { activate } from "../../src/core/models/activations.js";
import { buildModel } from "../../src/core/models/build.js";
import { resolveModelSpec } from "../../src/core/models/index.js";
import { standardizeWeight } from "../../src/core/models/wsConv.js";

/** timm's formula in float64, per output channel o of an HWIO kernel (biased variance, as F.batch_norm uses). */
function timmWs(w: Float32Array, shape: number[], gain: Float32Array): Float64Array {
  const [kh, kw, ci, co] = shape as [number, number, number, number];
  const n = kh * kw * ci;
  const out = new Float64Array(w.length);
  for (let o = 0; o < co; o++) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += w[i * co + o] as number;
    mean /= n;
    let v = 0;
    for (let i = 0; i < n; i++) v += ((w[i * co + o] as number) - mean) ** 2;
    v /= n;
    for (let i = 0; i < n; i++) {
      out[i * co + o] = ((gain[o] as number) * ((w[i * co + o] as number) - mean)) / Math.sqrt(v + 1e-5) / Math.sqrt(n);
    }
  }
  return out;
}

// Φ(x) and φ(x) to 16 digits: GELU(x) = xΦ(x), GELU'(x) = Φ(x) + xφ(x).
const PHI: [number, number, number][] = [
  [-2, 0.022750131948179195, 0.05399096651318806],
  [-1, 0.15865525393145707, 0.24197072451914337],
  [0.5, 0.6914624612740131, 0.3520653267642995],
  [1, 0.8413447460685429, 0.24197072451914337],
  [2, 0.9772498680518208, 0.05399096651318806],
];

for (const backend of ["cpu", "wasm"] as BackendName[]) {
  describe(`timm forms on ${backend}`, async () => {
    await initBackend(backend);

    it("WS: gain·(W − μ)·N^-½/sqrt(var + 1e-5), and its gradient equals autodiff of the formula", () => {
      const shape: [number, number, number, number] = [3, 3, 4, 5];
      const w = tf.randomNormal(shape, 0.1, 0.7, "float32", 1) as tf.Tensor4D;
      const gain = tf.randomUniform([5], 0.5, 2, "float32", 2) as tf.Tensor1D;
      const got = standardizeWeight(w, gain, "timm").dataSync();
      const want = timmWs(w.dataSync() as Float32Array, shape, gain.dataSync() as Float32Array);
      for (let i = 0; i < want.length; i++)
        assert.ok(Math.abs((got[i] as number) - (want[i] as number)) < 1e-5, `element ${i}`);
      // The official form differs on the same weights (another ε, and N inside the floor).
      const official = standardizeWeight(w, gain, "official").dataSync();
      assert.ok(official.some((v, i) => Math.abs(v - (got[i] as number)) > 1e-6));
      const r = tf.randomNormal(shape, 0, 1, "float32", 3);
      const composed = (x: tf.Tensor4D, g: tf.Tensor1D) => {
        const { mean, variance } = tf.moments(x, [0, 1, 2], true);
        const scale = tf.div(tf.rsqrt(tf.add(variance, 1e-5)), Math.sqrt(36));
        return tf.sum(tf.mul(tf.mul(tf.mul(tf.sub(x, mean), scale), g), r));
      };
      const [dw, dg] = tf.grads((x, g) =>
        tf.sum(tf.mul(standardizeWeight(x as tf.Tensor4D, g as tf.Tensor1D, "timm"), r)),
      )([w, gain]);
      const [rw, rg] = tf.grads((x, g) => composed(x as tf.Tensor4D, g as tf.Tensor1D))([w, gain]);
      const close = (a: tf.Tensor | undefined, b: tf.Tensor | undefined) => {
        const x = a?.dataSync() ?? [];
        const y = b?.dataSync() ?? [];
        const scale = Math.max(...[...y].map(Math.abs));
        for (let i = 0; i < y.length; i++)
          assert.ok(Math.abs((x[i] as number) - (y[i] as number)) <= 1e-4 * scale, `grad ${i}`);
      };
      close(dw, rw);
      close(dg, rg);
      tf.dispose([w, gain, r, dw, dg, rw, rg]);
    });

    it("GELU: erf form x·Φ(x) with gradient Φ(x) + x·φ(x); the official tanh form differs", () => {
      const x = tf.tensor1d(PHI.map(([v]) => v));
      const gamma = 1.7015043497085571;
      const y = activate(x, "gelu", true, "timm").dataSync();
      const dy = tf
        .grad((t) => activate(t, "gelu", false, "timm").sum())(x)
        .dataSync();
      const tanhForm = activate(x, "gelu", true).dataSync();
      PHI.forEach(([v, cdf, pdf], i) => {
        assert.ok(Math.abs((y[i] as number) - gamma * v * cdf) < 2e-6, `gelu(${v})`);
        assert.ok(Math.abs((dy[i] as number) - (cdf + v * pdf)) < 2e-6, `gelu'(${v})`);
      });
      assert.ok(Math.abs((tanhForm[3] as number) - gamma * 0.8411919906082768) < 2e-6, "official tanh form at 1");
      x.dispose();
    });

    it("an NFNet with timm forms computes other logits than the official forms, from the same weights", () => {
      const build = (forms?: string) =>
        buildModel(resolveModelSpec({ name: "nfnet-micro", ...(forms ? { forms } : {}) }), {
          numClasses: 10,
          inputShape: [16, 16, 3],
          seed: 0,
        });
      const a = build();
      const b = build("timm");
      try {
        assert.equal(b.spec.name, "nfnet-micro", "the forms keep the variant's name");
        const x = tf.randomNormal([2, 16, 16, 3], 0, 1, "float32", 5) as tf.Tensor4D;
        // Non-zero skip gains, so that the blocks' residual branches reach the logits.
        for (const m of [a, b]) for (const p of m.params) if (p.role === "skip_gain") p.variable.assign(tf.scalar(0.7));
        const la = a.apply(x, { training: false }).dataSync();
        const lb = b.apply(x, { training: false }).dataSync();
        assert.ok(la.some((v, i) => Math.abs(v - (lb[i] as number)) > 1e-5));
        x.dispose();
      } finally {
        a.dispose();
        b.dispose();
      }
    });
  });
}

describe("model.forms and config identity", () => {
  it("official (the default) leaves the config's hash as without the key; timm changes it", () => {
    const base = { model: { name: "nfnet-micro" }, data: { name: "synthetic" } };
    const h = configHash(resolveConfig(base));
    assert.equal(configHash(resolveConfig({ ...base, model: { name: "nfnet-micro", forms: "official" } })), h);
    assert.notEqual(configHash(resolveConfig({ ...base, model: { name: "nfnet-micro", forms: "timm" } })), h);
    assert.deepEqual(resolveModelSpec({ name: "nfnet-f0", forms: "official" }), resolveModelSpec({ name: "nfnet-f0" }));
    assert.throws(
      () => resolveModelSpec({ name: "nfnet-f0", forms: "pytorch" }),
      /model option 'forms' must be one of official, timm/,
    );
  });
});
