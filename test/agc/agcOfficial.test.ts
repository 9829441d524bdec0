// AGC's squeeze rule against the official code (issue 25 item 5): reference/fixtures/agc-official.json holds, for
// tensors of every shape class deepmind-research nfnets/optim.py `unitwise_norm` treats apart ([1,C], [1,1,1,C],
// [C,1], rank 3 with and without size-1 axes, vectors, scalars, dense, HWIO), what the official norm and the
// official SGD_AGC clip return (reference/agc_official.py wrote it). nfx's default unit axes must give the same.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { before, describe, it } from "node:test";
import { agcClip, clipGradients, officialUnitAxes, unitwiseNorm } from "../../src/core/agc/agc.js";
import { initBackend } from "../../src/core/engine/backend/backend.js";
import { tf } from "../../src/core/engine/tf.js";

interface Case {
  name: string;
  shape: number[];
  lambda: number;
  eps: number;
  w: unknown;
  g: unknown;
  norm_w: { shape: number[]; values: unknown };
  clipped: unknown;
  clipped_units: number;
  units: number;
}

const fixture = JSON.parse(
  readFileSync(new URL("../../reference/fixtures/agc-official.json", import.meta.url), "utf8"),
);
const cases = fixture.cases as Case[];
const flat = (v: unknown): number[] => (Array.isArray(v) ? v.flatMap(flat) : [v as number]);
const tensor = (v: unknown, shape: number[]) => tf.tensor(flat(v), shape, "float32");

/** max |a − b| / max |b|: float32 against the official float32, whose sums may be ordered otherwise. */
function relErr(a: ArrayLike<number>, b: number[]): number {
  const scale = Math.max(...b.map(Math.abs), 1e-30);
  return Math.max(...b.map((x, i) => Math.abs((a[i] as number) - x))) / scale;
}

before(async () => {
  await initBackend("cpu");
});

describe("AGC's unit rule equals the official unitwise_norm (reference/fixtures/agc-official.json)", () => {
  it("the fixture covers [1,C], [1,1,1,C] and rank-3 shapes, and the issue's probe", () => {
    const shapes = cases.map((c) => JSON.stringify(c.shape));
    for (const s of ["[1,2]", "[1,6]", "[1,1,1,5]", "[3,4,2]", "[1,4,3]", "[1,1,5]"]) assert.ok(shapes.includes(s), s);
    assert.ok(
      cases.some((c) => c.clipped_units > 0 && c.clipped_units < c.units),
      "some tensors clip in part",
    );
  });

  it("issue 25.5's probe: agcClip(W [[3,4]], G [[1,0]], λ 0.1) is the official [0.5, 0] (one unit, not two)", () => {
    const out = agcClip(tf.tensor2d([[1, 0]]), tf.tensor2d([[3, 4]]), { lambda: 0.1, granularity: "unit" });
    assert.deepEqual(Array.from(out.dataSync()), [0.5, 0]);
    assert.deepEqual(flat(cases[0]?.clipped), [0.5, 0], "the official code's own answer");
  });

  for (const c of cases) {
    it(`${c.name}: the norm's shape and values, and the clipped gradient`, () => {
      const W = tensor(c.w, c.shape);
      const G = tensor(c.g, c.shape);
      const norm = unitwiseNorm(W);
      assert.deepEqual(norm.shape, c.norm_w.shape, "norm shape (official keepdims, or a scalar for one unit)");
      assert.ok(relErr(norm.dataSync(), flat(c.norm_w.values)) < 1e-6, "norm values");
      const units = officialUnitAxes(c.shape);
      assert.equal(
        units?.reduce((n, a) => n * (c.shape[a] as number), 1),
        c.units,
        "unit count",
      );
      const out = agcClip(G, W, { lambda: c.lambda, eps: c.eps, granularity: "unit" });
      const err = relErr(out.dataSync(), flat(c.clipped));
      assert.ok(err < 1e-6, `clipped gradient off by ${err}`);
    });
  }

  it("clipGradients on all of them at once (grouped by shape) gives the same, and counts the official clips", () => {
    const byLambda = cases.filter((c) => c.lambda === 0.05);
    const grads = byLambda.map((c) => tensor(c.g, c.shape));
    const targets = byLambda.map((c) => ({ value: tensor(c.w, c.shape) }));
    const res = clipGradients(grads, targets, { lambda: 0.05, granularity: "unit" });
    byLambda.forEach((c, i) => {
      const err = relErr((res.grads[i] as tf.Tensor).dataSync(), flat(c.clipped));
      assert.ok(err < 1e-6, `${c.name}: off by ${err}`);
    });
    const counts = res.clippedByRole?.counts.arraySync() as number[][];
    const clipped = byLambda.reduce((n, c) => n + c.clipped_units, 0);
    const units = byLambda.reduce((n, c) => n + c.units, 0);
    assert.deepEqual(counts, [[clipped, units]]);
  });
});
