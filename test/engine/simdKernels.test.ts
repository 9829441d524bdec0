import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { assembleSimdKernels, fmaVariant, simdKernelsModuleText } from "../../scripts/simdKernelsAssembler.js";
import { initBackend } from "../../src/core/engine/backend/backend.js";
import { tf } from "../../src/core/engine/tf.js";
import {
  conv2dFilterGrad,
  conv2dFits,
  conv2dForward,
  filterGradRunPad,
  transposeLastTwo,
} from "../../src/core/engine/wasm/simdKernels.js";
import { int, pick, randomData, relError, rng } from "./gradcheck.js";

/** dW by the definition, in float64. */
function filterGradReference(
  x: Float32Array,
  [n, h, w, cin]: number[],
  dy: Float32Array,
  [, ho, wo, cout]: number[],
  kh: number,
  kw: number,
  sh: number,
  sw: number,
): Float64Array {
  const out = new Float64Array(kh * kw * cin * cout);
  for (let b = 0; b < (n as number); b++)
    for (let y = 0; y < (ho as number); y++)
      for (let xx = 0; xx < (wo as number); xx++)
        for (let i = 0; i < kh; i++)
          for (let j = 0; j < kw; j++)
            for (let c = 0; c < (cin as number); c++) {
              const xv = x[
                ((b * (h as number) + y * sh + i) * (w as number) + xx * sw + j) * (cin as number) + c
              ] as number;
              const dyAt = ((b * (ho as number) + y) * (wo as number) + xx) * (cout as number);
              const outAt = ((i * kw + j) * (cin as number) + c) * (cout as number);
              for (let o = 0; o < (cout as number); o++) out[outAt + o] += xv * (dy[dyAt + o] as number);
            }
  return out;
}

/** y by the definition (xp already padded), in float64. */
function convReference(
  x: Float32Array,
  [n, h, w, cin]: number[],
  f: Float32Array,
  [kh, kw, , cout]: number[],
  sh: number,
  sw: number,
): { y: Float64Array; shape: number[] } {
  const ho = Math.floor(((h as number) - (kh as number)) / sh) + 1;
  const wo = Math.floor(((w as number) - (kw as number)) / sw) + 1;
  const [N, H, W, C, KH, KW, O] = [n, h, w, cin, kh, kw, cout] as number[] as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const y = new Float64Array(N * ho * wo * O);
  for (let b = 0; b < N; b++)
    for (let oy = 0; oy < ho; oy++)
      for (let ox = 0; ox < wo; ox++)
        for (let i = 0; i < KH; i++)
          for (let j = 0; j < KW; j++)
            for (let c = 0; c < C; c++) {
              const xv = x[((b * H + oy * sh + i) * W + ox * sw + j) * C + c] as number;
              const at = ((b * ho + oy) * wo + ox) * O;
              for (let o = 0; o < O; o++) y[at + o] += xv * (f[((i * KW + j) * C + c) * O + o] as number);
            }
  return { y, shape: [N, ho, wo, O] };
}

describe("nfx's wasm SIMD kernels", () => {
  before(async () => {
    await initBackend("wasm");
  });

  test("the committed binary is simdKernels.wat assembled (run `npm run build:simd` after editing it)", async () => {
    const wat = readFileSync(new URL("../../src/core/engine/wasm/simdKernels.wat", import.meta.url), "utf8");
    const committed = readFileSync(new URL("../../src/core/engine/wasm/simdKernelsBinary.ts", import.meta.url), "utf8");
    const [plain, fma] = [await assembleSimdKernels(wat), await assembleSimdKernels(fmaVariant(wat))];
    assert.equal(committed, simdKernelsModuleText(plain, fma));
    // Every accumulation of the plain build became a fused multiply-add in the other.
    const adds = wat.match(/\(f32x4\.add \(local\.get \$a\d+\) \(f32x4\.mul/g)?.length ?? 0;
    assert.ok(adds >= 16);
    assert.equal(fmaVariant(wat).match(/f32x4\.relaxed_madd/g)?.length, adds);
  });

  test("conv2dFilterGrad equals the definition over 40 random geometries (strides, blocks, runs, any Cin)", async () => {
    const backend = tf.backend();
    for (let seed = 1; seed <= 40; seed++) {
      const r = rng(seed);
      const [kh, kw, sh, sw] = [int(r, 1, 4), int(r, 1, 4), int(r, 1, 3), int(r, 1, 3)];
      const [ho, wo] = [int(r, 1, 9), int(r, 1, 40)]; // wo up to 40: blocks of 3–128 rows, partial last blocks
      const cin = seed % 2 === 0 ? 4 * int(r, 1, 3) : int(r, 1, 7);
      const run = filterGradRunPad(kw, cin);
      const xShape = [
        int(r, 1, 3),
        (ho - 1) * sh + kh + int(r, 0, 2),
        (wo - 1) * sw + Math.ceil(run / cin) + int(r, 0, 2),
        cin,
      ];
      const dyShape = [xShape[0] as number, ho, wo, 8 * int(r, 1, 3)];
      const x = tf.randomNormal(xShape, 0, 1, "float32", seed);
      const dy = tf.randomNormal(dyShape, 0, 1, "float32", seed + 1000);
      const dw = tf.engine().makeTensorFromTensorInfo(conv2dFilterGrad(backend, x, dy, kh, kw, sh, sw));
      const cout = dyShape[3] as number;
      assert.deepEqual(dw.shape, [kh, run, cout]);
      const want = filterGradReference(
        x.dataSync() as Float32Array,
        xShape,
        dy.dataSync() as Float32Array,
        dyShape,
        kh,
        kw,
        sh,
        sw,
      );
      // Row i of the result is dW[i] as [kw·Cin, Cout], then run − kw·Cin padding rows, which are dropped.
      const all = dw.dataSync() as Float32Array;
      const got = new Float32Array(want.length);
      for (let i = 0; i < kh; i++)
        got.set(all.subarray(i * run * cout, (i * run + kw * cin) * cout), i * kw * cin * cout);
      const scale = want.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      const err = got.reduce((m, v, i) => Math.max(m, Math.abs(v - (want[i] as number))), 0);
      assert.ok(err <= 1e-5 * scale, `seed ${seed}: k ${kh}×${kw} s ${sh}×${sw} x ${xShape} dy ${dyShape}: ${err}`);
      tf.dispose([x, dy, dw]);
    }
  });

  test("conv2dForward equals the definition over 25 random geometries (strides, odd pixel counts, 1-channel inputs)", () => {
    const backend = tf.backend();
    for (let seed = 1; seed <= 25; seed++) {
      const r = rng(seed + 300);
      const [kh, kw, sh, sw] = [int(r, 1, 4), int(r, 1, 4), int(r, 1, 3), int(r, 1, 3)];
      const xShape = [int(r, 1, 3), int(r, kh, 13), int(r, kw, 13), int(r, 1, 12)];
      const fShape = [kh, kw, xShape[3] as number, 8 * int(r, 1, 3)];
      const x = tf.randomNormal(xShape, 0, 1, "float32", seed);
      const f = tf.randomNormal(fShape, 0, 1, "float32", seed + 1000);
      const want = convReference(x.dataSync() as Float32Array, xShape, f.dataSync() as Float32Array, fShape, sh, sw);
      const [, ho, wo] = want.shape as [number, number, number, number];
      const y = tf.engine().makeTensorFromTensorInfo(conv2dForward(backend, x, f, sh, sw, ho, wo));
      assert.deepEqual(y.shape, want.shape);
      const got = y.dataSync() as Float32Array;
      const scale = want.y.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      const err = got.reduce((m, v, i) => Math.max(m, Math.abs(v - (want.y[i] as number))), 0);
      assert.ok(err <= 1e-5 * scale, `seed ${seed}: k ${kh}×${kw} s ${sh}×${sw} x ${xShape} f ${fShape}: ${err}`);
      tf.dispose([x, f, y]);
    }
  });

  test("conv2dForward of 1×1 stride-1 convs (direct pixel addressing) equals the definition over 20 random sizes", () => {
    const backend = tf.backend();
    for (let seed = 1; seed <= 20; seed++) {
      const r = rng(seed + 700);
      // Pixel counts across blocks of 256 and partial last tiles; any Cin.
      const xShape = [int(r, 1, 3), int(r, 1, 19), int(r, 1, 19), int(r, 1, 20)];
      const fShape = [1, 1, xShape[3] as number, 8 * int(r, 1, 3)];
      const x = tf.randomNormal(xShape, 0, 1, "float32", seed);
      const f = tf.randomNormal(fShape, 0, 1, "float32", seed + 1000);
      const want = convReference(x.dataSync() as Float32Array, xShape, f.dataSync() as Float32Array, fShape, 1, 1);
      const [, ho, wo] = want.shape as [number, number, number, number];
      const y = tf.engine().makeTensorFromTensorInfo(conv2dForward(backend, x, f, 1, 1, ho, wo));
      const got = y.dataSync() as Float32Array;
      const scale = want.y.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      const err = got.reduce((m, v, i) => Math.max(m, Math.abs(v - (want.y[i] as number))), 0);
      assert.ok(err <= 1e-5 * scale, `seed ${seed}: x ${xShape} f ${fShape}: ${err}`);
      tf.dispose([x, f, y]);
    }
  });

  test("Conv2D on wasm (nfx's SIMD kernel where Cout % 8 = 0, XNNPACK otherwise) equals cpu over 40 random convs", async () => {
    let simdCases = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const r = rng(seed + 500);
      const [kh, kw] = [int(r, 1, 5), int(r, 1, 5)];
      const strides: [number, number] = [int(r, 1, 3), int(r, 1, 3)];
      const pad = pick(r, ["same", "valid", "explicit"] as const);
      const padding: "same" | "valid" | [[number, number], [number, number], [number, number], [number, number]] =
        pad === "explicit"
          ? [
              [0, 0],
              [int(r, 0, 2), int(r, 0, 2)],
              [int(r, 0, 2), int(r, 0, 2)],
              [0, 0],
            ]
          : pad;
      const xShape = [int(r, 1, 3), int(r, kh, 14), int(r, kw, 14), int(r, 1, 40)];
      const wShape = [kh, kw, xShape[3] as number, pick(r, [8, 16, 24, 5])];
      if (conv2dFits(xShape[3] as number, wShape[3] as number)) simdCases++;
      const xData = randomData(r, xShape);
      const wData = randomData(r, wShape);
      const outputs: Float32Array[] = [];
      for (const backend of ["cpu", "wasm"]) {
        await tf.setBackend(backend);
        const y = tf.tidy(() =>
          tf.conv2d(tf.tensor4d(xData, xShape as never), tf.tensor4d(wData, wShape as never), strides, padding),
        );
        outputs.push(y.dataSync() as Float32Array);
        y.dispose();
      }
      const err = relError(outputs[1] as Float32Array, outputs[0] as Float32Array);
      assert.ok(err < 1e-5, `seed ${seed}: x ${xShape} w ${wShape} s ${strides} ${JSON.stringify(padding)}: ${err}`);
    }
    await tf.setBackend("wasm");
    assert.ok(simdCases >= 8, `only ${simdCases} of the 40 convs ran nfx's kernel`);
  });

  test("the plain build (NFX_WASM_FMA=0) is the one that runs when asked, and matches cpu", () => {
    const script = fileURLToPath(new URL("./simdPlainBuild.ts", import.meta.url));
    const out = execFileSync(process.execPath, ["--import", "tsx", script], {
      env: { ...process.env, NFX_WASM_FMA: "0" },
      encoding: "utf8",
    });
    const { build, errors } = JSON.parse(out.trim().split("\n").pop() ?? "{}") as { build: string; errors: number[] };
    assert.equal(build, "simd");
    assert.equal(errors.length, 2);
    for (const e of errors) assert.ok(e < 1e-4, `plain build differs from cpu by ${e}`);
  });

  test("Sum and Mean on wasm (nfx's column sums over leading axes, tfjs otherwise) equal cpu over 40 random cases", async () => {
    for (let seed = 1; seed <= 40; seed++) {
      const r = rng(seed + 900);
      const rank = int(r, 1, 4);
      const shape = Array.from({ length: rank }, () => int(r, 1, 9));
      if (seed % 10 === 0) shape[0] = 0; // empty reductions (tfjs's cpu backend gives 0 for sum and mean)
      const leading = r() < 0.7;
      const k = int(r, 1, rank);
      const axes = leading ? Array.from({ length: k }, (_, i) => (r() < 0.3 ? i - rank : i)) : [int(r, 0, rank - 1)];
      const keepDims = r() < 0.5;
      const data = randomData(r, shape);
      const results: { values: Float32Array; shape: number[] }[] = [];
      for (const backend of ["cpu", "wasm"]) {
        await tf.setBackend(backend);
        for (const op of [tf.sum, tf.mean]) {
          const y = tf.tidy(() => op(tf.tensor(data, shape), axes, keepDims));
          results.push({ values: y.dataSync() as Float32Array, shape: y.shape });
          y.dispose();
        }
      }
      for (const i of [0, 1]) {
        const [cpu, wasm] = [results[i], results[i + 2]] as [(typeof results)[0], (typeof results)[0]];
        const label = `seed ${seed}: ${i === 0 ? "sum" : "mean"} of ${shape} over ${axes} keepDims ${keepDims}`;
        assert.deepEqual(wasm.shape, cpu.shape, label);
        cpu.values.forEach((v, j) => {
          const w = wasm.values[j] as number;
          assert.ok(Number.isNaN(v) ? Number.isNaN(w) : Math.abs(w - v) <= 1e-5 * Math.max(1, Math.abs(v)), label);
        });
      }
    }
    await tf.setBackend("wasm");
  });

  test("transposeLastTwo equals tf.transpose over 20 random shapes (blocks of 16, partial blocks, int32)", () => {
    const backend = tf.backend();
    for (let seed = 1; seed <= 20; seed++) {
      const r = rng(seed + 1200);
      const rank = int(r, 2, 4);
      const shape = Array.from({ length: rank }, (_, i) => (i >= rank - 2 ? int(r, 1, 40) : int(r, 1, 3)));
      const dtype = seed % 4 === 0 ? "int32" : "float32";
      const x =
        dtype === "int32"
          ? tf.randomUniform(shape, -100, 100, "int32", seed)
          : tf.randomNormal(shape, 0, 1, "float32", seed);
      const n = shape.length;
      const perm = shape.map((_, i) => (i < n - 2 ? i : i === n - 2 ? n - 1 : n - 2));
      const want = tf.transpose(x, perm);
      const info = transposeLastTwo(backend, x);
      assert.ok(info !== null);
      const got = tf.engine().makeTensorFromTensorInfo(info);
      assert.deepEqual(got.shape, want.shape);
      assert.deepEqual(Array.from(got.dataSync()), Array.from(want.dataSync()), `seed ${seed}: ${shape} ${dtype}`);
      tf.dispose([x, want, got]);
    }
  });

  test("conv2dFilterGrad of an empty batch is zero; Cout % 8 ≠ 0 and inputs too narrow for the runs are refused", () => {
    const backend = tf.backend();
    const x = tf.zeros([0, 5, 5, 4]);
    const dy = tf.zeros([0, 3, 3, 8]);
    const dw = tf.engine().makeTensorFromTensorInfo(conv2dFilterGrad(backend, x, dy, 3, 3, 1, 1));
    assert.deepEqual(dw.shape, [3, 12, 8]);
    assert.ok(dw.dataSync().every((v) => v === 0));
    assert.throws(
      () => conv2dFilterGrad(backend, tf.zeros([1, 5, 5, 3]), tf.zeros([1, 3, 3, 5]), 3, 3, 1, 1),
      /channels 3→5/,
    );
    // 1 channel, 3 taps: each run reads 4 values, one column past the 5-wide input's last field.
    assert.throws(
      () => conv2dFilterGrad(backend, tf.zeros([1, 5, 5, 1]), tf.zeros([1, 3, 3, 8]), 3, 3, 1, 1),
      /padded width 5 too small/,
    );
    tf.dispose([x, dy, dw]);
  });
});
