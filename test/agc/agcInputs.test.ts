// Issue 14 item 10: the library's AGC validates its options as the config does (one clear error naming the option)
// and computes norms without overflow or underflow: a clipped gradient keeps its direction and has norm
// λ·max(‖W‖, ε) for any magnitude float32 can hold. Checked on cpu and wasm.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  AgcOptionsError,
  agcClip,
  clipGradients,
  globalNorm,
  unitwiseNorm,
  withAgc,
} from "../../src/core/agc/index.js";
import { initBackend } from "../../src/core/engine/backend/backend.js";
import { tf } from "../../src/core/engine/tf.js";
import { samAscend } from "../../src/core/train/sam.js";
import { testBackend } from "../helpers.js";

const relClose = (got: number, want: number, tol: number, what: string) =>
  assert.ok(Math.abs(got - want) <= tol * Math.abs(want), `${what}: ${got} ≉ ${want}`);

/** Float64 norm of a list of float32 values. */
const norm64 = (v: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs(v[i] as number));
  if (m === 0) return 0;
  let s = 0;
  for (let i = 0; i < v.length; i++) s += ((v[i] as number) / m) ** 2;
  return m * Math.sqrt(s);
};

/** Deterministic pseudo-random numbers for the property checks. */
function lcg(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

describe("AGC options are validated as the config does (one error naming the option)", () => {
  const g = () => tf.ones([4, 3]);
  const bad: [string, Record<string, unknown>, string][] = [
    ["λ < 0 (would flip every gradient's sign)", { lambda: -0.01, granularity: "unit" }, "lambda"],
    ["λ = 0 (would zero every gradient)", { lambda: 0, granularity: "unit" }, "lambda"],
    ["λ NaN", { lambda: Number.NaN, granularity: "unit" }, "lambda"],
    ["λ Infinity", { lambda: Number.POSITIVE_INFINITY, granularity: "unit" }, "lambda"],
    ["λ a string", { lambda: "0.01", granularity: "unit" }, "lambda"],
    ["ε = 0", { lambda: 0.01, eps: 0, granularity: "unit" }, "eps"],
    ["ε < 0", { lambda: 0.01, eps: -1e-3, granularity: "unit" }, "eps"],
    ["ε NaN", { lambda: 0.01, eps: Number.NaN, granularity: "unit" }, "eps"],
    ["unknown granularity", { lambda: 0.01, granularity: "units" }, "granularity"],
  ];
  for (const [label, opts, option] of bad) {
    it(`${label}: agcClip, clipGradients and withAgc refuse it`, async () => {
      await initBackend("cpu");
      const check = (fn: () => unknown, who: string) =>
        assert.throws(fn, (err: unknown) => {
          assert.ok(err instanceof AgcOptionsError, String(err));
          assert.equal(err.option, option);
          assert.match(err.message, new RegExp(`^${who}: ${option} `));
          return true;
        });
      const o = opts as never;
      check(() => agcClip(g(), g(), o), "agcClip");
      check(() => clipGradients([g()], [{ value: g(), role: "body_conv" }], o), "clipGradients");
      check(() => withAgc(tf.train.sgd(0.1), o), "withAgc");
    });
  }

  it("λ null means no clipping for clipGradients and withAgc (as agc.lambda: null), not for agcClip", async () => {
    await initBackend("cpu");
    const grad = tf.fill([4, 3], 100);
    const res = clipGradients([grad], [{ value: tf.ones([4, 3]), role: "body_conv" }], {
      lambda: null,
      granularity: "unit",
    });
    assert.equal(res.grads[0], grad);
    // @ts-expect-error agcClip's type refuses λ null, as its runtime check does.
    assert.throws(() => agcClip(grad, grad, { lambda: null, granularity: "unit" }), /agcClip: lambda must be/);
    // @ts-expect-error agcClip's type refuses `global` (clipGradients/withAgc's), as its runtime check does.
    assert.throws(() => agcClip(grad, grad, { lambda: 0.01, granularity: "global" }), /agcClip: granularity must be/);
  });

  it("exclude, roles, and mismatched gradient/parameter shapes are named", async () => {
    await initBackend("cpu");
    const opts = { lambda: 0.01, granularity: "unit" as const };
    assert.throws(
      () =>
        clipGradients([tf.ones([2])], [{ value: tf.ones([2]), role: "bias" }], { ...opts, exclude: "bias" as never }),
      /clipGradients: exclude must be a list of role names/,
    );
    assert.throws(() => agcClip(tf.ones([2, 3]), tf.ones([3, 2]), opts), /agcClip: grad: gradient shape \[2,3\]/);
    assert.throws(
      () => clipGradients([tf.ones([2])], [{ value: tf.ones([3]), role: "bias" }], opts),
      /clipGradients: gradient 0: gradient shape/,
    );
    assert.throws(() => clipGradients([tf.ones([2])], [], opts), /clipGradients: 1 gradients but 0 targets/);
    assert.throws(() => withAgc(tf.train.sgd(0.1), { ...opts, roles: [] as never }), /withAgc: roles must be/);
  });
});

for (const backend of ["cpu", testBackend()] as const) {
  describe(`AGC norms without overflow or underflow on ${backend}`, () => {
    it("the probe: a unit gradient 1e20·ones(100), ‖W‖ = 10, λ = 0.01 → 0.01·ones (unit, layer, global)", async () => {
      await initBackend(backend);
      const w = tf.ones([100]); // ‖W‖ = 10
      const g = tf.fill([100], 1e20);
      for (const granularity of ["unit", "layer"] as const) {
        const out = agcClip(g, w, { lambda: 0.01, granularity }).dataSync();
        for (const v of out) relClose(v, 0.01, 1e-5, granularity);
        // The same as a dense [in, out] unit (the last axis).
        const col = agcClip(g.reshape([100, 1]), w.reshape([100, 1]), { lambda: 0.01, granularity }).dataSync();
        for (const v of col) relClose(v, 0.01, 1e-5, `${granularity} [100,1]`);
      }
      // Global: the global norm is clipped to λ; with λ = λ·‖W‖ = 0.1 that is 0.01·ones again.
      const res = clipGradients([g], [{ value: w, role: "bias" }], { lambda: 0.1, granularity: "global" });
      for (const v of (res.grads[0] as tf.Tensor).dataSync()) relClose(v, 0.01, 1e-5, "global");
      assert.deepEqual(Array.from(res.clippedByRole?.counts.dataSync() ?? []), [1, 1]);
      relClose(unitwiseNorm(g).dataSync()[0] as number, 1e21, 1e-6, "unitwiseNorm");
      relClose(globalNorm([g, g]).dataSync()[0] as number, Math.SQRT2 * 1e21, 1e-6, "globalNorm");
      relClose(unitwiseNorm(tf.fill([100], 1e-30)).dataSync()[0] as number, 1e-29, 1e-6, "tiny unitwiseNorm");
    });

    it("property: random shapes, magnitudes 1e-30…1e30 — clipped units have norm λ·max(‖W‖, ε) and G's direction", async () => {
      await initBackend(backend);
      const rand = lcg(backend === "cpu" ? 1 : 2);
      const shapes = [[], [7], [5, 3], [3, 3, 4, 6], [1, 1, 8, 2], [2, 2, 3, 5]];
      const grads: tf.Tensor[] = [];
      const values: tf.Tensor[] = [];
      const meta: { lambda: number; eps: number; granularity: "unit" | "layer" }[] = [];
      for (let trial = 0; trial < 24; trial++) {
        const shape = shapes[trial % shapes.length] as number[];
        const size = shape.reduce((a, b) => a * b, 1);
        const gScale = 10 ** (Math.floor(rand() * 61) - 30);
        const wScale = 10 ** (Math.floor(rand() * 41) - 20);
        const gv = Float32Array.from({ length: size }, () => (rand() - 0.5) * gScale);
        const wv = Float32Array.from({ length: size }, () => (rand() < 0.1 ? 0 : (rand() - 0.5) * wScale));
        grads.push(tf.tensor(gv, shape));
        values.push(tf.tensor(wv, shape));
        meta.push({
          lambda: [1e-3, 0.01, 0.16, 3][trial % 4] as number,
          eps: [1e-3, 1e-12][trial % 2] as number,
          granularity: trial % 3 === 0 ? "layer" : "unit",
        });
      }
      grads.forEach((g, t) => {
        const { lambda, eps, granularity } = meta[t] as (typeof meta)[number];
        const out = agcClip(g, values[t] as tf.Tensor, { lambda, eps, granularity }).dataSync();
        const gv = g.dataSync();
        const wv = (values[t] as tf.Tensor).dataSync();
        const units = granularity === "unit" && g.rank >= 2 ? (g.shape.at(-1) as number) : 1;
        for (let u = 0; u < units; u++) {
          const idx = Array.from({ length: gv.length / units }, (_, k) => k * units + u);
          const gn = norm64(idx.map((i) => gv[i] as number));
          const maxNorm = lambda * Math.max(norm64(idx.map((i) => wv[i] as number)), eps);
          const o = idx.map((i) => out[i] as number);
          assert.ok(
            o.every(Number.isFinite),
            `trial ${t} unit ${u}: non-finite output (‖G‖ ${gn}, threshold ${maxNorm})`,
          );
          if (gn > maxNorm * (1 + 1e-5)) {
            relClose(norm64(o), maxNorm, 1e-5, `trial ${t} unit ${u} clipped norm`);
            // Same direction: o = c·G with c > 0, component by component.
            const c = maxNorm / gn;
            idx.forEach((i, k) => {
              const want = (gv[i] as number) * c;
              assert.ok(
                Math.abs((o[k] as number) - want) <= 1e-5 * maxNorm,
                `trial ${t} unit ${u}: ${o[k]} vs ${want}`,
              );
            });
          } else if (gn < maxNorm * (1 - 1e-5)) {
            idx.forEach((i, k) => {
              assert.equal(o[k], gv[i], `trial ${t} unit ${u}: below the threshold, untouched`);
            });
          }
        }
      });
      // clipGradients (stacked by shape) gives the same as agcClip one by one.
      for (const granularity of ["unit", "layer"] as const) {
        const res = clipGradients(
          grads,
          values.map((value) => ({ value, role: "body_conv" })),
          { lambda: 0.01, granularity },
        );
        grads.forEach((g, t) => {
          const want = agcClip(g, values[t] as tf.Tensor, { lambda: 0.01, granularity }).dataSync();
          const got = (res.grads[t] as tf.Tensor).dataSync();
          want.forEach((v, k) => {
            assert.ok(Math.abs((got[k] as number) - v) <= 1e-6 * Math.abs(v) + 1e-45, `${granularity} ${t}`);
          });
        });
      }
      tf.dispose([...grads, ...values]);
    });

    it("global clipping and SAM's ascent: huge and tiny gradients keep their direction, norm λ (ρ)", async () => {
      await initBackend(backend);
      for (const scale of [1e30, 1e20, 1, 1e-20, 1e-30]) {
        const a = tf.tensor1d([3 * scale, 0]);
        const b = tf.tensor2d([[0, 4 * scale]]);
        const lambda = 0.5;
        const res = clipGradients(
          [a, b],
          [
            { value: a, role: "bias" },
            { value: b, role: "body_conv" },
          ],
          { lambda, granularity: "global" },
        );
        const all = res.grads.flatMap((t) => Array.from(t.dataSync()));
        if (5 * scale > lambda) {
          relClose(norm64(all), lambda, 1e-5, `global ${scale}`);
          relClose((all[0] as number) / (all[3] as number), 0.75, 1e-5, `global direction ${scale}`);
        } else {
          assert.deepEqual(all, [3 * scale, 0, 0, 4 * scale].map(Math.fround));
        }
        const va = tf.variable(tf.zeros([2]));
        const vb = tf.variable(tf.zeros([1, 2]));
        const restore = samAscend([va, vb], [a, b], 0.05);
        const moved = [...va.dataSync(), ...vb.dataSync()];
        relClose(norm64(moved), 0.05, 1e-5, `SAM ${scale}`);
        relClose((moved[0] as number) / (moved[3] as number), 0.75, 1e-5, `SAM direction ${scale}`);
        restore();
        tf.dispose([va, vb, a, b, ...res.grads]);
      }
    });
  });
}
