// Helpers for comparing gradients between tfjs backends in the engine tests.
import assert from "node:assert/strict";
import { tf } from "../../src/core/engine/tf.js";

/** mulberry32: a small seeded PRNG, so every failing case can be replayed from its seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function int(r: () => number, lo: number, hi: number): number {
  return lo + Math.floor(r() * (hi - lo + 1));
}

export function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)] as T;
}

export function randomData(r: () => number, shape: number[]): Float32Array {
  const n = shape.reduce((p, d) => p * d, 1);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = r() * 2 - 1;
  return out;
}

/** Gradients of Σ f(inputs)·probe w.r.t. every input, computed on `backend`, as plain arrays. */
export async function gradsOn(
  backend: string,
  f: (...xs: tf.Tensor[]) => tf.Tensor,
  inputs: { data: Float32Array; shape: number[] }[],
  probeSeed: number,
): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const xs = inputs.map((i) => tf.tensor(i.data, i.shape));
  try {
    const grads = tf.tidy(() => {
      const y = f(...xs);
      const probe = tf.tensor(randomData(rng(probeSeed), y.shape), y.shape);
      return tf.grads((...a: tf.Tensor[]) => tf.sum(tf.mul(f(...a), probe)))(xs);
    });
    const out = grads.map((g) => g.dataSync() as Float32Array);
    tf.dispose(grads);
    return out;
  } finally {
    tf.dispose(xs);
  }
}

/** max |a−b| / max |b|: the error relative to the largest gradient. */
export function relError(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let err = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    err = Math.max(err, Math.abs((a[i] as number) - (b[i] as number)));
    scale = Math.max(scale, Math.abs(b[i] as number));
  }
  return scale === 0 ? err : err / scale;
}

export type Pad = "same" | "valid" | number | [[number, number], [number, number], [number, number], [number, number]];

export interface ConvCase {
  x: number[];
  w: number[];
  strides: [number, number];
  pad: Pad;
}

/** A random conv geometry that tfjs accepts: the padded input always covers the kernel at least once. */
export function convCase(seed: number, depthwise: boolean, simdTiles = false): ConvCase {
  const r = rng(seed);
  const k = [pick(r, [1, 2, 3, 3, 5, 7]), pick(r, [1, 2, 3, 3, 5])] as const;
  const s = pick(r, [1, 1, 2, 2, 3]);
  const strides: [number, number] = r() < 0.2 ? [s, pick(r, [1, 2])] : [s, s];
  // A numeric pad only with square kernels and equal strides: tfjs 4.22 computes the output width of a
  // numeric-pad conv from the kernel *height* and *height* stride, so otherwise its shape is wrong and wasm's
  // forward conv writes past its output buffer (wasmPadGuard.ts refuses those).
  const padKind = pick(
    r,
    k[0] === k[1] && strides[0] === strides[1]
      ? (["same", "valid", "explicit", "number"] as const)
      : (["same", "valid", "explicit"] as const),
  );
  const p: [number, number][] = [
    [int(r, 0, 3), int(r, 0, 3)],
    [int(r, 0, 3), int(r, 0, 3)],
  ];
  const pad: Pad =
    padKind === "explicit"
      ? [[0, 0], p[0] as [number, number], p[1] as [number, number], [0, 0]]
      : padKind === "number"
        ? int(r, 0, 2)
        : padKind;
  const minPad = (axis: 0 | 1): number =>
    padKind === "explicit"
      ? (p[axis] as number[]).reduce((a, b) => a + b)
      : padKind === "number"
        ? 2 * (pad as number)
        : 0;
  const h = Math.max(int(r, 1, 13), k[0] - minPad(0));
  const w = Math.max(int(r, 1, 13), k[1] - minPad(1));
  const n = int(r, 1, 3);
  // simdTiles: channel counts that nfx's SIMD filter-gradient kernel takes (Cin % 4 = 0, Cout % 8 = 0).
  const cin = simdTiles ? 4 * int(r, 1, 3) : int(r, 1, 6);
  const cout = depthwise ? int(r, 1, 3) : simdTiles ? 8 * int(r, 1, 2) : int(r, 1, 7);
  return { x: [n, h, w, cin], w: [k[0], k[1], cin, cout], strides, pad };
}

/** Relative error a backend's gradient may have against the cpu backend's. */
export const GRAD_TOL = 1e-4;

/**
 * Gradients of `f` at random inputs of `shapes` (drawn from `seed`) on `backend` must equal the cpu backend's within
 * GRAD_TOL (relative, relError).
 */
export async function checkAgainstCpu(
  backend: string,
  label: string,
  f: (...xs: tf.Tensor[]) => tf.Tensor,
  shapes: number[][],
  seed: number,
): Promise<void> {
  const r = rng(seed);
  const inputs = shapes.map((shape) => ({ data: randomData(r, shape), shape }));
  const cpu = await gradsOn("cpu", f, inputs, seed + 1);
  const other = await gradsOn(backend, f, inputs, seed + 1);
  cpu.forEach((c, i) => {
    const err = relError(other[i] as Float32Array, c);
    assert.ok(err < GRAD_TOL, `${label}: gradient ${i} differs from cpu by ${err.toExponential(2)} (seed ${seed})`);
  });
}
