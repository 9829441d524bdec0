import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { agcClip, clipGradients, unitwiseNorm } from "../../src/core/agc/agc.js";
import type { ParamRole } from "../../src/core/agc/roles.js";
import { initBackend } from "../../src/core/engine/backend/backend.js";
import { tf } from "../../src/core/engine/tf.js";

const close = (a: number, b: number, tol = 1e-6) =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} ≉ ${b}`);
const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

before(async () => {
  await initBackend("cpu");
});

describe("unitwiseNorm (tfjs layouts: the unit is the last axis)", () => {
  it("reduces axis 0 of a dense [in, out] kernel", () => {
    const w = tf.tensor2d([
      [3, 0],
      [4, 1],
    ]);
    assert.deepEqual(unitwiseNorm(w).shape, [1, 2]);
    const n = unitwiseNorm(w).dataSync();
    close(n[0] as number, 5);
    close(n[1] as number, 1);
  });

  it("reduces axes (0,1,2) of an HWIO conv kernel", () => {
    const w = tf.range(0, 2 * 2 * 3 * 4).reshape([2, 2, 3, 4]);
    const n = unitwiseNorm(w);
    assert.deepEqual(n.shape, [1, 1, 1, 4]);
    const vals = w.arraySync() as number[][][][];
    for (let o = 0; o < 4; o++) {
      const unit: number[] = [];
      for (const a of vals) for (const b of a) for (const c of b) unit.push(c[o] as number);
      close(n.dataSync()[o] as number, norm(unit));
    }
  });

  it("treats a vector (bias, gain) and a scalar (skip gain) as one unit", () => {
    close(unitwiseNorm(tf.tensor1d([3, 4])).dataSync()[0] as number, 5);
    assert.equal(unitwiseNorm(tf.scalar(-2)).dataSync()[0], 2);
  });
});

describe("agcClip on hand-computed tensors", () => {
  // W units: [3,4] (‖W‖=5) and [0,1] (‖W‖=1). λ = 0.1 → thresholds 0.5 and 0.1.
  const W = () =>
    tf.tensor2d([
      [3, 0],
      [4, 1],
    ]);

  it("leaves a gradient below the threshold untouched, bit for bit", () => {
    const g = tf.tensor2d([
      [0.03, 0.006],
      [0.04, 0.008],
    ]); // unit norms 0.05 < 0.5 and 0.01 < 0.1
    const out = agcClip(g, W(), { lambda: 0.1, granularity: "unit" });
    assert.deepEqual(Array.from(out.dataSync()), Array.from(g.dataSync()));
  });

  it("scales a gradient above the threshold to exactly λ·max(‖W‖, ε), keeping its direction", () => {
    const g = tf.tensor2d([
      [6, 0.006],
      [8, 0.008],
    ]); // unit 0 norm 10 > 0.5 → clipped to 0.5; unit 1 norm 0.01 < 0.1 → untouched
    const out = agcClip(g, W(), { lambda: 0.1, granularity: "unit" }).arraySync() as number[][];
    close(norm([out[0]?.[0] as number, out[1]?.[0] as number]), 0.5);
    close((out[0]?.[0] as number) / (out[1]?.[0] as number), 6 / 8);
    close(out[0]?.[1] as number, 0.006);
    close(out[1]?.[1] as number, 0.008);
  });

  it("uses ε for zero-initialised parameters: a skip gain's gradient is clipped to λ·ε, not to zero", () => {
    const out = agcClip(tf.scalar(2), tf.scalar(0), { lambda: 0.01, eps: 1e-3, granularity: "unit" });
    close(out.dataSync()[0] as number, 0.01 * 1e-3);
  });

  it("layer-wise uses one norm for the whole tensor", () => {
    const g = tf.tensor2d([
      [6, 0],
      [8, 0],
    ]); // ‖G‖ = 10, ‖W‖ = √26 → threshold 0.1·√26
    const out = agcClip(g, W(), { lambda: 0.1, granularity: "layer" });
    close(norm(Array.from(out.dataSync())), 0.1 * Math.sqrt(26));
  });
});

describe("clipGradients", () => {
  it("never clips excluded roles and counts clipped units per role", () => {
    const w = tf.tensor2d([
      [3, 0],
      [4, 1],
    ]);
    const g = tf.tensor2d([
      [6, 0],
      [8, 5],
    ]); // both units above 0.1·‖W_i‖
    const res = clipGradients(
      [g, g],
      [
        { value: w, role: "body_conv" },
        { value: w, role: "classifier_weight" },
      ],
      {
        lambda: 0.1,
        granularity: "unit",
        exclude: ["classifier_weight"],
      },
    );
    assert.equal(res.grads[1], g, "excluded gradient is passed through");
    assert.notDeepEqual(Array.from((res.grads[0] as tf.Tensor).dataSync()), Array.from(g.dataSync()));
    assert.deepEqual(res.clippedByRole?.roles, ["body_conv"]);
    assert.deepEqual(Array.from(res.clippedByRole?.counts.dataSync() ?? []), [2, 2]);
  });

  it("global clipping rescales all gradients to a global norm of λ", () => {
    const a = tf.tensor1d([3, 0]);
    const b = tf.tensor1d([0, 4]);
    const res = clipGradients(
      [a, b],
      [
        { value: a, role: "bias" },
        { value: b, role: "gain" },
      ],
      {
        lambda: 1,
        granularity: "global",
      },
    );
    const all = res.grads.flatMap((t) => Array.from(t.dataSync()));
    close(norm(all), 1);
    close((all[0] as number) / (all[3] as number), 3 / 4);
  });

  it("matches eq. 3 on random tensors (property check against a scalar re-implementation)", () => {
    for (let trial = 0; trial < 20; trial++) {
      const shape = [1 + (trial % 3), 2 + (trial % 2), 3, 1 + ((trial * 7) % 5)];
      const w = tf.randomNormal(shape, 0, trial % 4 === 0 ? 0 : 1, "float32", trial);
      const g = tf.randomNormal(shape, 0, 0.05 * (1 + (trial % 5)), "float32", 100 + trial);
      const lambda = [0.01, 0.04, 0.16][trial % 3] as number;
      const out = agcClip(g, w, { lambda, granularity: "unit" }).dataSync();
      const wv = w.dataSync();
      const gv = g.dataSync();
      const units = shape[3] as number;
      for (let u = 0; u < units; u++) {
        const idx = Array.from({ length: wv.length / units }, (_, k) => k * units + u);
        const wn = Math.max(norm(idx.map((i) => wv[i] as number)), 1e-3);
        const gn = norm(idx.map((i) => gv[i] as number));
        const scale = gn / wn > lambda ? (lambda * wn) / Math.max(gn, 1e-6) : 1;
        for (const i of idx) close(out[i] as number, (gv[i] as number) * scale, 1e-5);
      }
    }
  });

  it("clips parameters of one shape together exactly as one by one (unit and layer, scalars to convs)", () => {
    const shapes = [[3, 3, 4, 8], [3, 3, 4, 8], [8], [8], [8], [], [], [16, 10], [10], [1, 1, 8, 16]];
    const roles: ParamRole[] = [
      "body_conv",
      "body_conv",
      "gain",
      "bias",
      "gain",
      "skip_gain",
      "skip_gain",
      "classifier_weight",
      "classifier_bias",
      "shortcut_conv",
    ];
    const values = shapes.map((s, i) => tf.randomNormal(s, 0, i === 5 ? 0 : 1, "float32", 7 + i));
    const grads = shapes.map((s, i) => tf.randomNormal(s, 0, 0.3, "float32", 70 + i));
    for (const granularity of ["unit", "layer"] as const) {
      const res = clipGradients(
        grads,
        values.map((value, i) => ({ value, role: roles[i] as ParamRole })),
        {
          lambda: 0.05,
          granularity,
          exclude: ["classifier_weight"],
        },
      );
      grads.forEach((g, i) => {
        const expected =
          roles[i] === "classifier_weight" ? g : agcClip(g, values[i] as tf.Tensor, { lambda: 0.05, granularity });
        const got = (res.grads[i] as tf.Tensor).dataSync();
        const want = expected.dataSync();
        assert.deepEqual((res.grads[i] as tf.Tensor).shape, g.shape);
        want.forEach((w, k) => {
          close(got[k] as number, w, 1e-6);
        });
      });
      const counts = res.clippedByRole?.counts.arraySync() as number[][];
      const units = (role: string) =>
        shapes.reduce(
          (s, sh, i) =>
            roles[i] === role ? s + (granularity === "unit" && sh.length >= 2 ? (sh.at(-1) as number) : 1) : s,
          0,
        );
      res.clippedByRole?.roles.forEach((role, r) => {
        assert.equal(counts[r]?.[1], units(role), role);
      });
      assert.ok(!res.clippedByRole?.roles.includes("classifier_weight"));
    }
  });
});
