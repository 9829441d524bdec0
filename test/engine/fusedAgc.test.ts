// AGC's fused wasm kernel (engine/ops/fusedAgc.ts) against the tfjs-op path (agc/norms.ts clipSlots) on the cpu
// backend: the same clipped gradients (to float32 rounding of the sums) and the same counts per role, over random
// shapes and unit layouts, with huge, tiny, zero, NaN and ±Inf units, in every nonFinite mode.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import {
  AgcNonFiniteError,
  type AgcOptions,
  type ClipTarget,
  clipGradients,
  globalNorm,
} from "../../src/core/agc/agc.js";
import { initBackend } from "../../src/core/engine/backend/backend.js";
import { tf } from "../../src/core/engine/tf.js";
import { int, pick, rng } from "./gradcheck.js";

interface Param {
  shape: number[];
  g: Float32Array;
  w: Float32Array;
  role: string;
  unitAxes?: number[];
}

interface Case {
  params: Param[];
  opts: AgcOptions;
}

const SCALES = [1, 1, 1, 1e20, 1e-30, 1e-3, 0];

/** Values in [−1, 1] times a scale per index of the last axis (a unit of the trailing-axes layouts), some non-finite. */
function values(r: () => number, shape: number[], nonFinite: boolean): Float32Array {
  const n = shape.reduce((p, d) => p * d, 1);
  const last = shape.at(-1) ?? 1;
  const scales = Array.from({ length: last }, () => pick(r, SCALES));
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (r() * 2 - 1) * (scales[i % last] as number);
  if (nonFinite && n > 0 && r() < 0.5) out[int(r, 0, n - 1)] = pick(r, [Number.NaN, Infinity, -Infinity]);
  return out;
}

function randomCase(seed: number): Case {
  const r = rng(seed);
  const granularity = r() < 0.2 ? "layer" : "unit";
  const nonFinite = r() < 0.3;
  const params = Array.from({ length: int(r, 1, 5) }, (): Param => {
    const rank = int(r, 0, 4);
    const shape = Array.from({ length: rank }, () => pick(r, [1, 2, 3, 4, 5, 8, 12, 16, 7]));
    // Units on trailing axes (the fused layout): the official rule (ranks ≤ 4) or a random split.
    const split = int(r, 0, rank);
    const unitAxes = r() < 0.5 ? undefined : Array.from({ length: rank - split }, (_, j) => split + j);
    const p: Param = {
      shape,
      g: values(r, shape, nonFinite),
      w: values(r, shape, nonFinite),
      role: pick(r, ["body_conv", "gain", "bias", "skip_gain"]),
    };
    if (unitAxes !== undefined) p.unitAxes = unitAxes;
    return p;
  });
  const opts: AgcOptions = {
    granularity,
    lambda: pick(r, [0.01, 0.16, 1, 100]),
    eps: pick(r, [1e-3, 1e-30]),
    nonFinite: nonFinite ? pick(r, ["zero", "keep"] as const) : "error",
  };
  return { params, opts };
}

interface Outcome {
  grads: Float32Array[];
  counts: number[];
  nonFinite: number[];
  roles: string[];
}

/** clipGradients on `backend`, as plain arrays. */
async function clipOn(backend: string, c: Case): Promise<Outcome> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const grads = c.params.map((p) => tf.tensor(p.g, p.shape));
    const targets: ClipTarget[] = c.params.map((p) => ({
      value: tf.tensor(p.w, p.shape),
      role: p.role as ClipTarget["role"],
      ...(p.unitAxes === undefined ? {} : { unitAxes: p.unitAxes }),
    }));
    const out = clipGradients(grads, targets, c.opts);
    return {
      grads: out.grads.map((g) => g.dataSync() as Float32Array),
      counts: Array.from(out.clippedByRole?.counts.dataSync() ?? []),
      nonFinite: Array.from(out.clippedByRole?.nonFinite.dataSync() ?? []),
      roles: out.clippedByRole?.roles ?? [],
    };
  });
}

/** Same non-finite values, and finite ones equal to 2e-6 relative (float32 sums in another order). */
function assertClose(a: Float32Array, b: Float32Array, what: string): void {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) {
    const [x, y] = [a[i] as number, b[i] as number];
    if (!Number.isFinite(x) || !Number.isFinite(y)) assert.ok(Object.is(x, y), `${what}[${i}]: ${x} vs ${y}`);
    else assert.ok(Math.abs(x - y) <= 2e-6 * Math.max(Math.abs(x), Math.abs(y)), `${what}[${i}]: ${x} vs ${y}`);
  }
}

describe("fused AGC on wasm matches the tfjs ops on cpu", () => {
  before(async () => {
    await initBackend("wasm");
  });

  test("the wasm path runs the fused kernel, one call for the whole list", async () => {
    await tf.setBackend("wasm");
    const g = [tf.randomNormal([3, 3, 4, 8]), tf.randomNormal([8]), tf.randomNormal([8, 10])];
    const targets = g.map((t) => ({ value: tf.randomNormal(t.shape) }));
    const info = await tf.profile(() => {
      const out = clipGradients(g, targets, { granularity: "unit", lambda: 0.01 });
      tf.dispose(out.grads);
      tf.dispose([out.clippedByRole?.counts, out.clippedByRole?.nonFinite]);
    });
    const names = info.kernels.map((k) => k.name);
    assert.equal(names.filter((n) => n === "NfxAgcClip").length, 1, names.join(","));
    tf.dispose([...g, ...targets.map((t) => t.value)]);
  });

  test("120 random lists: same clipped gradients and counts per role", async () => {
    for (let seed = 1; seed <= 120; seed++) {
      const c = randomCase(seed);
      const label = `seed ${seed} ${JSON.stringify({ ...c.opts, shapes: c.params.map((p) => p.shape) })}`;
      const cpu = await clipOn("cpu", c);
      const wasm = await clipOn("wasm", c);
      assert.deepEqual(wasm.roles, cpu.roles, label);
      assert.deepEqual(wasm.counts, cpu.counts, label);
      assert.deepEqual(wasm.nonFinite, cpu.nonFinite, label);
      cpu.grads.forEach((g, i) => {
        assertClose(wasm.grads[i] as Float32Array, g, `${label} gradient ${i}`);
      });
    }
  });

  test("globalNorm: one kernel call on wasm, the cpu ops' value over 60 random lists", async () => {
    await tf.setBackend("wasm");
    const probe = [tf.ones([3, 3, 4, 8]), tf.ones([7])];
    const info = await tf.profile(() => globalNorm(probe).dispose());
    assert.deepEqual(
      info.kernels.map((k) => k.name),
      ["NfxGlobalNorm"],
    );
    tf.dispose(probe);
    for (let seed = 1; seed <= 60; seed++) {
      const { params } = randomCase(seed);
      const norms = [];
      for (const backend of ["cpu", "wasm"]) {
        await tf.setBackend(backend);
        norms.push(tf.tidy(() => globalNorm(params.map((p) => tf.tensor(p.g, p.shape))).dataSync()));
      }
      assertClose(norms[1] as Float32Array, norms[0] as Float32Array, `seed ${seed} global norm`);
    }
  });

  test("a unit below the threshold is returned bit for bit; a clipped one has the threshold as its norm", async () => {
    await tf.setBackend("wasm");
    // Column 0 is clipped (‖G‖ = 2·√9·… ≫ 0.01·‖W‖), column 1 is not (its gradient is tiny).
    const gData = Float32Array.from({ length: 18 }, (_, i) => (i % 2 === 0 ? 2 + i : 1e-9 * (i + 1)));
    const wData = Float32Array.from({ length: 18 }, (_, i) => 1 + 0.1 * i);
    const g = tf.tensor(gData, [9, 2]);
    const w = tf.tensor(wData, [9, 2]);
    const out = clipGradients([g], [{ value: w }], { granularity: "unit", lambda: 0.01 });
    const clipped = (out.grads[0] as tf.Tensor).dataSync();
    for (let i = 1; i < 18; i += 2) assert.equal(clipped[i], gData[i]);
    const norm = (xs: ArrayLike<number>) => Math.sqrt(Array.from(xs).reduce((s, x, i) => s + (i % 2 ? 0 : x * x), 0));
    const threshold = 0.01 * norm(wData);
    assert.ok(Math.abs(norm(clipped) - threshold) <= 1e-6 * threshold, `${norm(clipped)} vs ${threshold}`);
    assert.deepEqual(Array.from(out.clippedByRole?.counts.dataSync() ?? []), [1, 2]);
    tf.dispose([g, w, ...out.grads, out.clippedByRole?.counts, out.clippedByRole?.nonFinite]);
  });

  test("nonFinite error throws the same error on both backends, and leaks nothing on wasm", async () => {
    const c: Case = {
      params: [
        {
          shape: [2, 4],
          g: Float32Array.from([1, 2, 3, 4, 5, Number.NaN, 7, 8]),
          w: new Float32Array(8).fill(1),
          role: "body_conv",
        },
      ],
      opts: { granularity: "unit", lambda: 0.01 },
    };
    const message = async (backend: string) => {
      await tf.setBackend(backend);
      const before = tf.memory().numTensors;
      const err = await clipOn(backend, c).then(
        () => null,
        (e: unknown) => e,
      );
      assert.equal(tf.memory().numTensors, before, backend);
      assert.ok(err instanceof AgcNonFiniteError, backend);
      return err.message;
    };
    assert.equal(await message("wasm"), await message("cpu"));
  });
});
