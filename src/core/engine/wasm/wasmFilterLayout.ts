// Filter rearrangements for the backprop-input kernels, as loops over the wasm heap. tfjs's wasm Reverse and
// 6-D Transpose are generic scalar loops: on a 3×3×64×64 filter they took 2.8 ms and 5.4 ms — together more than
// the 4×4-pixel conv they prepare (measured: a stride-2 backprop-input on [32,4,4,64] spent 8 of its 11 ms here).
// A filter has at most a few hundred thousand values, so one pass in JavaScript costs well under a millisecond.
import type { tf } from "../tf.js";
import { heapF32, heapOffset, wasmHeap } from "./wasmHeap.js";
import type { TensorInfo } from "./wasmKernelScope.js";

type Shape4 = [number, number, number, number];

/** A new float32 tensor of `shape` on the heap, with the heap's float view and both element offsets. */
function heapPair(backend: tf.KernelBackend, filter: TensorInfo, shape: Shape4) {
  const b = wasmHeap(backend);
  const out = b.makeOutput(shape, "float32");
  const heap = heapF32(b); // taken after makeOutput, which may grow the heap
  return { out, heap, from: heapOffset(b, filter) / 4, to: heapOffset(b, out) / 4 };
}

/** flip(W)ᵀ: [kh,kw,Cin,Cout] → [kh,kw,Cout,Cin] reversed spatially — the filter of a stride-1 backprop-input. */
export function flippedTransposedFilter(backend: tf.KernelBackend, filter: TensorInfo): TensorInfo {
  const [kh, kw, ci, co] = filter.shape as Shape4;
  const { out, heap, from, to } = heapPair(backend, filter, [kh, kw, co, ci]);
  let k = to;
  for (let a = 0; a < kh; a++)
    for (let b = 0; b < kw; b++) {
      const tap = from + ((kh - 1 - a) * kw + (kw - 1 - b)) * ci * co;
      for (let o = 0; o < co; o++) for (let c = 0; c < ci; c++) heap[k++] = heap[tap + c * co + o] as number;
    }
  return out;
}

/**
 * The sub-filters of a stride-s backprop-input by phases (wasmStridedInputGrad.ts), flipped: [T_h, T_w, Cout,
 * s·s·Cin] with element [a, b, o, (rh·s + rw)·Cin + c] = W[(T_h−1−a)·s + rh, (T_w−1−b)·s + rw, c, o], or 0 where
 * that tap lies past the k×k filter (T = ⌈k/s⌉).
 */
export function phaseFilters(backend: tf.KernelBackend, filter: TensorInfo, s: number): TensorInfo {
  const [kh, kw, ci, co] = filter.shape as Shape4;
  const [th, tw] = [Math.ceil(kh / s), Math.ceil(kw / s)];
  const { out, heap, from, to } = heapPair(backend, filter, [th, tw, co, s * s * ci]);
  let k = to;
  for (let a = 0; a < th; a++)
    for (let b = 0; b < tw; b++)
      for (let o = 0; o < co; o++)
        for (let rh = 0; rh < s; rh++)
          for (let rw = 0; rw < s; rw++) {
            const i = (th - 1 - a) * s + rh;
            const j = (tw - 1 - b) * s + rw;
            if (i < kh && j < kw) {
              const tap = from + (i * kw + j) * ci * co + o;
              for (let c = 0; c < ci; c++) heap[k++] = heap[tap + c * co] as number;
            } else {
              heap.fill(0, k, k + ci);
              k += ci;
            }
          }
  return out;
}

/**
 * The sub-filters of a backprop-input's phases (wasmStridedInputGrad.ts), flipped and packed for nfx's SIMD conv,
 * one after another in one float32 tensor. Phase (rh, rw) with th × tw taps holds [Cin/8][th][tw][Cout][8], element
 * [g, a, b, o, l] = W[sh·(th−1−a) + rh, sw·(tw−1−b) + rw, 8g + l, o]; `at` gives each phase's first element
 * (index rh·sw + rw). Requires Cin % 8 = 0.
 */
export function packedPhaseFilters(
  backend: tf.KernelBackend,
  filter: TensorInfo,
  tapsH: number[],
  tapsW: number[],
): { packed: TensorInfo; at: number[] } {
  const [kh, kw, ci, co] = filter.shape as Shape4;
  const [sh, sw] = [tapsH.length, tapsW.length];
  const { out, heap, from, to } = heapPair(backend, filter, [kh * kw * ci * co, 1, 1, 1]);
  const at: number[] = [];
  let k = to;
  for (let rh = 0; rh < sh; rh++)
    for (let rw = 0; rw < sw; rw++) {
      at.push(k - to);
      const [th, tw] = [tapsH[rh] as number, tapsW[rw] as number];
      for (let g = 0; g < ci; g += 8)
        for (let a = 0; a < th; a++)
          for (let b = 0; b < tw; b++) {
            const tap = from + ((sh * (th - 1 - a) + rh) * kw + sw * (tw - 1 - b) + rw) * ci * co;
            for (let o = 0; o < co; o++) for (let l = 0; l < 8; l++) heap[k++] = heap[tap + (g + l) * co + o] as number;
          }
    }
  return { packed: out, at };
}
