// The wasm conv gradients on nfx's SIMD kernels against the cpu backend: backprop-input by phases written in place
// (wasmStridedInputGrad.ts inputGradScatter, taken whenever dx has a multiple of 8 channels) and the filter
// gradient over receptive-field runs (any Cin, 1-channel stems included), over random strides 1–3 (unequal too),
// kernels 1–5 (non-square too), paddings and odd sizes.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { initBackend } from "../../src/core/engine/backend/backend.js";
import { tf } from "../../src/core/engine/tf.js";
import { axisPhases } from "../../src/core/engine/wasm/wasmConvGeometry.js";
import { type ConvCase, checkAgainstCpu, int, type Pad, pick, rng } from "./gradcheck.js";

/** A random conv geometry whose input has `cin` channels (padded input always covers the kernel). */
function scatterCase(seed: number, cin: number): ConvCase {
  const r = rng(seed);
  const k = [pick(r, [1, 2, 3, 3, 5]), pick(r, [1, 3, 3, 5])] as const;
  const s = pick(r, [1, 2, 2, 3]);
  const strides: [number, number] = r() < 0.25 ? [s, pick(r, [1, 2, 3])] : [s, s];
  const square = k[0] === k[1] && strides[0] === strides[1];
  const padKind = pick(r, square ? (["same", "valid", "explicit", "number"] as const) : (["same", "valid"] as const));
  const p: [number, number] = [int(r, 0, 2), int(r, 0, 2)];
  const q: [number, number] = [int(r, 0, 2), int(r, 0, 2)];
  const pad: Pad = padKind === "explicit" ? [[0, 0], p, q, [0, 0]] : padKind === "number" ? int(r, 0, 2) : padKind;
  const minPad = (axis: 0 | 1): number =>
    padKind === "explicit" ? (axis === 0 ? p[0] + p[1] : q[0] + q[1]) : padKind === "number" ? 2 * (pad as number) : 0;
  const h = Math.max(int(r, 1, 11), k[0] - minPad(0));
  const w = Math.max(int(r, 1, 11), k[1] - minPad(1));
  return { x: [int(r, 1, 3), h, w, cin], w: [k[0], k[1], cin, int(r, 1, 13)], strides, pad };
}

const conv = (c: ConvCase) => (x: tf.Tensor, w: tf.Tensor) =>
  tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.strides, c.pad);

describe("wasm conv gradients on nfx's SIMD kernels match the cpu backend", () => {
  before(async () => {
    await initBackend("wasm");
  });

  test("phases of a backprop-input cover every dx position once, with the taps ≡ r (mod s)", () => {
    for (const [inSize, outSize, k, s, pad] of [
      [7, 4, 3, 2, 1],
      [8, 4, 3, 2, 0],
      [1, 1, 1, 3, 0],
      [9, 3, 1, 3, 0],
      [10, 4, 5, 3, 2],
    ] as const) {
      const { phases } = axisPhases(inSize, outSize, k, s, pad);
      const seen = new Array<number>(inSize).fill(0);
      for (const p of phases) {
        assert.equal(p.taps, Math.max(0, Math.ceil((k - p.r) / s)));
        for (let u = 0; u < p.count; u++) {
          const y = p.dxStart + s * u;
          assert.equal((y + pad) % s, p.r);
          seen[y] = (seen[y] as number) + 1;
        }
      }
      assert.deepEqual(seen, new Array<number>(inSize).fill(1), `${inSize},${outSize},${k},${s},${pad}`);
    }
  });

  test("backprop-input by phases (Cin 8/16/24) and filter gradients over 60 random geometries", async () => {
    for (let seed = 1; seed <= 60; seed++) {
      const c = scatterCase(seed, 8 * int(rng(seed + 500), 1, 3));
      await checkAgainstCpu("wasm", `conv2d ${JSON.stringify(c)}`, conv(c), [c.x, c.w], seed);
    }
  });

  test("filter gradients over receptive-field runs for Cin 1–7 over 40 random geometries", async () => {
    for (let seed = 101; seed <= 140; seed++) {
      const c = scatterCase(seed, int(rng(seed + 500), 1, 7));
      await checkAgainstCpu("wasm", `conv2d ${JSON.stringify(c)}`, conv(c), [c.x, c.w], seed);
    }
  });

  test("nf-resnet-micro's layers: the 1-channel stem, 3×3/2 and 1×1/2 convs at odd sizes", async () => {
    const cases: ConvCase[] = [
      { x: [3, 28, 28, 1], w: [3, 3, 1, 16], strides: [1, 1], pad: "same" },
      { x: [3, 28, 28, 16], w: [3, 3, 16, 16], strides: [2, 2], pad: "same" },
      { x: [3, 14, 14, 32], w: [3, 3, 32, 32], strides: [2, 2], pad: "same" },
      { x: [3, 7, 7, 64], w: [3, 3, 64, 64], strides: [2, 2], pad: "same" },
      { x: [3, 7, 7, 64], w: [1, 1, 64, 128], strides: [2, 2], pad: "same" },
      { x: [3, 14, 14, 16], w: [1, 1, 16, 32], strides: [1, 1], pad: "same" },
      { x: [2, 9, 11, 8], w: [5, 5, 8, 12], strides: [2, 2], pad: "same" },
      // Larger batches of larger images; a 1×1/2 with odd sizes, whose dx is three quarters zeros.
      { x: [7, 28, 28, 16], w: [3, 3, 16, 16], strides: [2, 2], pad: "same" },
      { x: [6, 31, 30, 24], w: [1, 1, 24, 8], strides: [2, 2], pad: "valid" },
    ];
    for (const [i, c] of cases.entries()) {
      await checkAgainstCpu("wasm", `conv2d ${JSON.stringify(c)}`, conv(c), [c.x, c.w], 2000 + i);
    }
  });
});
