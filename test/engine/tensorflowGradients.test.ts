// The native backend (tfjs-node over libtensorflow, `nfx native install`) must give the cpu backend's gradients
// over the same randomized geometries as nfx's wasm kernels are checked on (wasmGradients.test.ts: same seeds, same
// generators). nfx registers its own kernels only on wasm (wasmGradients.ts, fusedGelu.ts); on tensorflow every op
// is TensorFlow's, and fusedGelu takes its composed-op path, so these checks are what vouches for that backend.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { initBackend } from "../../src/core/engine/backend/backend.js";
import { geluTanhGrad, geluTanhValue } from "../../src/core/engine/ops/fusedGelu.js";
import { groupedConv2d } from "../../src/core/engine/ops/groupedConv.js";
import { tf } from "../../src/core/engine/tf.js";
import { nativeSkipReason } from "../helpers.js";
import { checkAgainstCpu, convCase, GRAD_TOL, gradsOn, int, pick, randomData, relError, rng } from "./gradcheck.js";

const skip = nativeSkipReason();

async function valuesOn(backend: string, f: () => tf.Tensor): Promise<Float32Array> {
  await tf.setBackend(backend);
  const y = f();
  const v = y.dataSync() as Float32Array;
  y.dispose();
  return v;
}

describe("tensorflow (native) gradients match the cpu backend", { skip }, () => {
  before(async () => {
    const info = await initBackend("tensorflow");
    assert.equal(info.tfjsBackend, "tensorflow");
    assert.match(info.native?.tensorflowVersion ?? "", /^2\.\d+/);
  });

  test("conv2d over the 60 random geometries of the wasm check", async () => {
    for (let seed = 1; seed <= 60; seed++) {
      const c = convCase(seed, false);
      if (typeof c.pad !== "string") continue; // tfjs-node: 'same' and 'valid' only (tested below)
      await checkAgainstCpu(
        "tensorflow",
        `conv2d ${JSON.stringify(c)}`,
        (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.strides, c.pad),
        [c.x, c.w],
        seed,
      );
    }
  });

  test("conv2d with Cin % 4 = 0 and Cout % 8 = 0 over 40 random geometries", async () => {
    for (let seed = 201; seed <= 240; seed++) {
      const c = convCase(seed, false, true);
      if (typeof c.pad !== "string") continue;
      await checkAgainstCpu(
        "tensorflow",
        `conv2d ${JSON.stringify(c)}`,
        (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.strides, c.pad),
        [c.x, c.w],
        seed,
      );
    }
  });

  test("depthwiseConv2d (channel multiplier 1–3) over 40 random geometries", async () => {
    for (let seed = 101; seed <= 140; seed++) {
      const c = convCase(seed, true);
      if (typeof c.pad !== "string") continue;
      const s = c.strides[0];
      await checkAgainstCpu(
        "tensorflow",
        `depthwise ${JSON.stringify(c)}`,
        (x, w) => tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, s, c.pad),
        [c.x, c.w],
        seed,
      );
    }
  });

  test("forward conv2d and depthwiseConv2d equal cpu over 80 random geometries", async () => {
    for (let seed = 301; seed <= 380; seed++) {
      const depthwise = seed > 340;
      const c = convCase(seed, depthwise);
      if (typeof c.pad !== "string") continue;
      const r = rng(seed);
      const [xData, wData] = [randomData(r, c.x), randomData(r, c.w)];
      const f = () =>
        tf.tidy(() => {
          const x = tf.tensor4d(xData, c.x as [number, number, number, number]);
          const w = tf.tensor4d(wData, c.w as [number, number, number, number]);
          return depthwise ? tf.depthwiseConv2d(x, w, c.strides[0], c.pad) : tf.conv2d(x, w, c.strides, c.pad);
        });
      const err = relError(await valuesOn("tensorflow", f), await valuesOn("cpu", f));
      assert.ok(err < GRAD_TOL, `${depthwise ? "depthwise" : "conv2d"} ${JSON.stringify(c)}: ${err} (seed ${seed})`);
    }
  });

  test("numeric conv pads, and the gradient of explicit ones, are refused by tfjs-node with a clear error (nfx's models use 'same'/'valid')", async () => {
    await tf.setBackend("tensorflow");
    const x = tf.ones([1, 5, 5, 2]) as tf.Tensor4D;
    const w = tf.ones([3, 3, 2, 2]) as tf.Tensor4D;
    assert.throws(() => tf.conv2d(x, w, 1, 1), /only 'valid' and 'same' padding/);
    const explicit: [[number, number], [number, number], [number, number], [number, number]] = [
      [0, 0],
      [1, 1],
      [1, 1],
      [0, 0],
    ];
    // Explicit pads: the forward conv runs, its gradient is refused.
    assert.throws(
      () => tf.grad((xx: tf.Tensor) => tf.conv2d(xx as tf.Tensor4D, w, 1, explicit).sum())(x),
      /only 'valid' and 'same' padding/,
    );
    tf.dispose([x, w]);
  });

  test("maxPool gradients over 30 random pools equal cpu's; avgPool's equal the exact gradient", async () => {
    for (let seed = 201; seed <= 230; seed++) {
      const r = rng(seed);
      const k: [number, number] = [int(r, 1, 4), int(r, 1, 4)];
      const s: [number, number] = [int(r, 1, 3), int(r, 1, 3)];
      const pad = pick(r, ["same", "valid"] as const);
      const shape = [int(r, 1, 3), int(r, k[0], 12), int(r, k[1], 12), int(r, 1, 5)];
      const label = `pool k=${k} s=${s} ${pad} ${shape}`;
      await checkAgainstCpu("tensorflow", `max${label}`, (x) => tf.maxPool(x as tf.Tensor4D, k, s, pad), [shape], seed);
      // avgPool with 'same' padding divides by the number of in-bounds inputs; tfjs's cpu AvgPoolGrad (and wasm's)
      // divide the padded windows' gradient by the full window size instead — wrong where padding occurs (found
      // here: TensorFlow agrees with central differences, cpu does not). The reference is therefore the same
      // average written as two convolutions (window sums over in-bounds counts), differentiated on cpu.
      const c = shape[3] as number;
      const eye = tf.tidy(() => tf.tile(tf.eye(c).reshape([1, 1, c, c]), [k[0], k[1], 1, 1])) as tf.Tensor4D;
      const eyeData = eye.dataSync().slice();
      eye.dispose();
      const r2 = rng(seed);
      const inputs = [{ data: randomData(r2, shape), shape }];
      const reference = (x: tf.Tensor) => {
        const wk = tf.tensor4d(eyeData, [k[0], k[1], c, c]);
        const sums = tf.conv2d(x as tf.Tensor4D, wk, s, pad);
        const counts = tf.conv2d(tf.onesLike(x) as tf.Tensor4D, wk, s, pad);
        return tf.div(sums, counts);
      };
      const want = await gradsOn("cpu", reference, inputs, seed + 1);
      const got = await gradsOn("tensorflow", (x) => tf.avgPool(x as tf.Tensor4D, k, s, pad), inputs, seed + 1);
      const err = relError(got[0] as Float32Array, want[0] as Float32Array);
      assert.ok(err < GRAD_TOL, `avg${label}: gradient differs from the exact one by ${err.toExponential(2)}`);
    }
  });

  test("matMul (transposed or not, batched or not) and segment sums", async () => {
    const r = rng(300);
    for (const [ta, tb] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ] as const) {
      for (const batch of [[], [3]]) {
        const [m, k, n] = [int(r, 1, 9), int(r, 1, 40), int(r, 1, 24)];
        const aShape = [...batch, ...(ta ? [k, m] : [m, k])];
        const bShape = [...batch, ...(tb ? [n, k] : [k, n])];
        await checkAgainstCpu(
          "tensorflow",
          `matMul ta=${ta} tb=${tb} ${aShape}·${bShape}`,
          (a, b) => tf.matMul(a as tf.Tensor, b as tf.Tensor, ta, tb),
          [aShape, bShape],
          301,
        );
      }
    }
    const ids = [0, 3, 3, 1, 5, 0, 2, 3];
    await checkAgainstCpu("tensorflow", "gather", (x) => tf.gather(x, tf.tensor1d(ids, "int32")), [[6, 4]], 7);
    await checkAgainstCpu(
      "tensorflow",
      "unsortedSegmentSum",
      (x) => tf.unsortedSegmentSum(x, tf.tensor1d(ids, "int32"), 7),
      [[8, 3, 2]],
      8,
    );
  });

  test("nfx's GELU (composed off wasm) and grouped conv: values and gradients", async () => {
    await checkAgainstCpu("tensorflow", "gelu", (x) => geluTanhValue(x), [[4, 5, 6]], 41);
    const x = tf.tensor(randomData(rng(42), [3, 7]), [3, 7]);
    const dy = tf.tensor(randomData(rng(43), [3, 7]), [3, 7]);
    const g = async (b: string) => valuesOn(b, () => geluTanhGrad(x, dy));
    assert.ok(relError(await g("tensorflow"), await g("cpu")) < GRAD_TOL, "geluTanhGrad");
    tf.dispose([x, dy]);
    await checkAgainstCpu(
      "tensorflow",
      "groupedConv2d g=4",
      (xx, w) => groupedConv2d(xx as tf.Tensor4D, w as tf.Tensor4D, 1, "same", 4),
      [
        [2, 6, 6, 8],
        [3, 3, 2, 8],
      ],
      44,
    );
  });
});
