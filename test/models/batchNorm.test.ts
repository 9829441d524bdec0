// Training-mode batch norm as one op (fusedBatchNorm.ts: wasm SIMD kernels, or tfjs ops under a custom gradient
// elsewhere) must give the values, statistics and gradients of tfjs's own composition — tf.moments then
// tf.batchNorm — computed on the cpu backend, over random shapes: channel counts not a multiple of 4, a single
// pixel (N·H·W = 1), tails shorter than a period, large means. applyBatchNorm keeps its running-average update.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { initBackend } from "../../src/core/engine/backend/backend.js";
import { batchNormTraining } from "../../src/core/engine/ops/fusedBatchNorm.js";
import { tf } from "../../src/core/engine/tf.js";
import { applyBatchNorm, BN_EPS, BN_MOMENTUM } from "../../src/core/models/batchNorm.js";
import { ParamStore } from "../../src/core/models/paramStore.js";
import type { ParamPlan } from "../../src/core/models/plan.js";
import { GRAD_TOL, int, pick, randomData, relError, rng } from "../engine/gradcheck.js";
import { nativeSkipReason } from "../helpers.js";

interface Case {
  shape: number[];
  x: Float32Array;
  scale: Float32Array;
  offset: Float32Array;
  probe: Float32Array;
}

function randomCase(seed: number): Case {
  const r = rng(seed);
  const c = pick(r, [1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 24, 33]);
  const shape =
    seed % 7 === 0
      ? [1, 1, 1, c] // one pixel: the variance is 0 and x̂ = 0
      : [int(r, 1, 4), int(r, 1, 9), int(r, 1, 9), c];
  const x = randomData(r, shape);
  // Channels with their own spread and a mean far from 0 on some seeds (the two-pass variance must hold there).
  const shift = seed % 5 === 0 ? 200 : 1;
  for (let i = 0; i < x.length; i++) x[i] = (x[i] as number) * (1 + (i % c)) + shift * Math.sin(i % c);
  return { shape, x, scale: randomData(r, [c]), offset: randomData(r, [c]), probe: randomData(r, shape) };
}

/** y, mean, variance and the gradients of Σ y·probe w.r.t. x, scale, offset, as arrays. */
type BatchNormOp = (
  x: tf.Tensor,
  scale: tf.Tensor1D,
  offset: tf.Tensor1D,
  eps: number,
) => { y: tf.Tensor; mean: tf.Tensor; variance: tf.Tensor };

function run(k: Case, f: BatchNormOp): Float32Array[] {
  return tf.tidy(() => {
    const [x, scale, offset] = [tf.tensor(k.x, k.shape), tf.tensor1d(k.scale), tf.tensor1d(k.offset)];
    const probe = tf.tensor(k.probe, k.shape);
    const { y, mean, variance } = f(x, scale, offset, BN_EPS);
    const grads = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
      tf.sum(tf.mul(f(a, b as tf.Tensor1D, c as tf.Tensor1D, BN_EPS).y, probe)),
    )([x, scale, offset]);
    return [y, mean, variance, ...grads].map((t) => t.dataSync() as Float32Array);
  });
}

/** tfjs's own composition, as batchNorm.ts had it. */
const composed: BatchNormOp = (x, scale, offset, eps) => {
  const { mean, variance } = tf.moments(x, [0, 1, 2]);
  const y = tf.batchNorm(x, mean, variance, offset, scale, eps);
  return { y, mean, variance };
};

const NAMES = ["y", "mean", "variance", "dx", "dscale", "doffset"];

/**
 * The size of the terms dx = scale·rstd·(dy − mean(dy) − x̂·mean(dy·x̂)) cancels: max |scale·rstd·dy| (float64
 * statistics). With few pixels per channel (N·H·W = 2: x̂ = ±1) dx is a small difference of such terms, and any
 * float32 computation of it, tfjs's own included, is only accurate relative to them.
 */
function dxTermScale(k: Case): number {
  const c = k.scale.length;
  const rows = k.x.length / c;
  let scale = 0;
  for (let ch = 0; ch < c; ch++) {
    let mean = 0;
    for (let i = ch; i < k.x.length; i += c) mean += (k.x[i] as number) / rows;
    let variance = 0;
    for (let i = ch; i < k.x.length; i += c) variance += ((k.x[i] as number) - mean) ** 2 / rows;
    const factor = Math.abs(k.scale[ch] as number) / Math.sqrt(variance + BN_EPS);
    for (let i = ch; i < k.x.length; i += c) scale = Math.max(scale, factor * Math.abs(k.probe[i] as number));
  }
  return scale;
}

/** max |a − b| / max(max |b|, floor) (the absolute error where both are 0). */
function errorAgainst(a: Float32Array, b: Float32Array, floor: number): number {
  let err = 0;
  let scale = floor;
  for (let i = 0; i < b.length; i++) {
    err = Math.max(err, Math.abs((a[i] as number) - (b[i] as number)));
    scale = Math.max(scale, Math.abs(b[i] as number));
  }
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  return scale === 0 ? err : err / scale;
}

describe("batch normalisation in training mode (one op, hand-written gradient)", () => {
  before(async () => {
    await initBackend("wasm");
  });

  const compareOn = async (backend: string): Promise<void> => {
    for (let seed = 1; seed <= 60; seed++) {
      const k = randomCase(seed);
      await tf.setBackend("cpu");
      const ref = run(k, composed);
      await tf.setBackend(backend);
      const mine = run(k, batchNormTraining);
      for (const [i, r] of ref.entries()) {
        const err = errorAgainst(mine[i] as Float32Array, r, NAMES[i] === "dx" ? dxTermScale(k) : 0);
        assert.ok(err < GRAD_TOL, `${backend} ${NAMES[i]} seed ${seed} ${k.shape}: error ${err.toExponential(2)}`);
      }
    }
  };

  for (const backend of ["wasm", "cpu"]) {
    test(`values, statistics and gradients match tf.moments + tf.batchNorm on cpu: 60 random shapes on ${backend}`, () =>
      compareOn(backend));
  }

  test("…and on tensorflow (the composed path on the native backend)", { skip: nativeSkipReason() }, async () => {
    await initBackend("tensorflow");
    await compareOn("tensorflow");
  });

  test("scale and offset must hold one value per channel", async () => {
    for (const backend of ["wasm", "cpu"]) {
      await tf.setBackend(backend);
      const x = tf.zeros([2, 3, 3, 5]);
      assert.throws(() => batchNormTraining(x, tf.ones([4]), tf.zeros([5]), BN_EPS), /must hold 5 channels/);
      assert.throws(() => batchNormTraining(x, tf.ones([5]), tf.zeros([1]), BN_EPS), /must hold 5 channels/);
      x.dispose();
    }
  });

  test("the wasm kernels run there, and a training step leaks no tensors or heap buffers", async () => {
    await tf.setBackend("wasm");
    assert.ok(tf.getKernel("NfxBatchNormTrain", "wasm") !== undefined);
    const k = randomCase(3);
    run(k, batchNormTraining);
    const before = tf.memory().numTensors;
    const dataIds = tf.backend().numDataIds();
    const names: string[] = [];
    const prof = await tf.profile(() => {
      run(k, batchNormTraining);
    });
    for (const kernel of prof.kernels) names.push(kernel.name);
    assert.ok(names.includes("NfxBatchNormTrain") && names.includes("NfxBatchNormTrainGrad"), names.join(" "));
    assert.ok(!names.includes("Tile"), names.join(" "));
    assert.equal(tf.memory().numTensors, before);
    assert.equal(tf.backend().numDataIds(), dataIds);
  });

  for (const backend of ["wasm", "cpu"]) {
    test(`applyBatchNorm moves the running averages by the batch's statistics (momentum ${BN_MOMENTUM}) on ${backend}`, async () => {
      await tf.setBackend(backend);
      const k = randomCase(11);
      const c = k.shape[3] as number;
      const params = new ParamStore();
      const state = new ParamStore();
      // Only the names matter to the stores.
      const p = (name: string) => ({ name }) as unknown as ParamPlan;
      const plan = { layer: "bn", channels: c, scale: p("s"), offset: p("o"), mean: p("m"), variance: p("v") };
      params.set(plan.scale, tf.variable(tf.tensor1d(k.scale)));
      params.set(plan.offset, tf.variable(tf.tensor1d(k.offset)));
      state.set(plan.mean, tf.variable(tf.fill([c], 0.5), false));
      state.set(plan.variance, tf.variable(tf.fill([c], 2), false));
      const x = tf.tensor4d(k.x, k.shape as [number, number, number, number]);
      const y = applyBatchNorm(plan, params, state, x, true);
      const { mean, variance } = tf.moments(x, [0, 1, 2]);
      const wantMean = tf.add(tf.mul(0.5, BN_MOMENTUM), tf.mul(mean, 1 - BN_MOMENTUM));
      const wantVar = tf.add(tf.mul(2, BN_MOMENTUM), tf.mul(variance, 1 - BN_MOMENTUM));
      const got = (plan: ParamPlan) => state.get<tf.Rank.R1>(plan).dataSync() as Float32Array;
      assert.ok(relError(got(plan.mean), wantMean.dataSync() as Float32Array) < 1e-6);
      assert.ok(relError(got(plan.variance), wantVar.dataSync() as Float32Array) < 1e-6);
      assert.deepEqual(y.shape, k.shape);
      tf.dispose([x, y, mean, variance, wantMean, wantVar]);
      for (const v of [plan.scale, plan.offset]) params.get(v).dispose();
      for (const v of [plan.mean, plan.variance]) state.get(v).dispose();
    });
  }
});
