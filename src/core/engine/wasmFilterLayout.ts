// Filter rearrangements for the backprop-input kernels, as loops over the wasm heap. tfjs's wasm Reverse and
// 6-D Transpose are generic scalar loops: on a 3×3×64×64 filter they took 2.8 ms and 5.4 ms — together more than
// the 4×4-pixel conv they prepare (measured: a stride-2 backprop-input on [32,4,4,64] spent 8 of its 11 ms here).
// A filter has at most a few hundred thousand values, so one pass in JavaScript costs well under a millisecond.
import type { tf } from "./tf.js";
import type { TensorInfo } from "./wasmKernelScope.js";

type Shape4 = [number, number, number, number];

interface WasmHeapBackend {
  wasm: { HEAPF32: Float32Array };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): TensorInfo;
}

/** A new [shape] tensor whose element at flat index k (row-major) is filter's element `source(k)`, or 0 if −1. */
function gather(backend: tf.KernelBackend, filter: TensorInfo, shape: Shape4, source: (k: number[]) => number) {
  const b = backend as unknown as WasmHeapBackend;
  const out = b.makeOutput(shape, "float32");
  const heap = b.wasm.HEAPF32; // taken after makeOutput, which may grow the heap
  const from = (b.dataIdMap.get(filter.dataId)?.memoryOffset ?? 0) / 4;
  let to = (b.dataIdMap.get(out.dataId)?.memoryOffset ?? 0) / 4;
  const [d0, d1, d2, d3] = shape;
  const k = [0, 0, 0, 0];
  for (k[0] = 0; (k[0] as number) < d0; k[0]++)
    for (k[1] = 0; (k[1] as number) < d1; k[1]++)
      for (k[2] = 0; (k[2] as number) < d2; k[2]++)
        for (k[3] = 0; (k[3] as number) < d3; k[3]++) {
          const at = source(k);
          heap[to++] = at < 0 ? 0 : (heap[from + at] as number);
        }
  return out;
}

/** flip(W)ᵀ: [kh,kw,Cin,Cout] → [kh,kw,Cout,Cin] reversed spatially — the filter of a stride-1 backprop-input. */
export function flippedTransposedFilter(backend: tf.KernelBackend, filter: TensorInfo): TensorInfo {
  const [kh, kw, ci, co] = filter.shape as Shape4;
  return gather(
    backend,
    filter,
    [kh, kw, co, ci],
    ([a, b, o, c]) =>
      (((kh - 1 - (a as number)) * kw + (kw - 1 - (b as number))) * ci + (c as number)) * co + (o as number),
  );
}

/**
 * The sub-filters of a stride-s backprop-input by phases (wasmStridedInputGrad.ts), flipped: [T_h, T_w, Cout,
 * s·s·Cin] with element [a, b, o, (rh·s + rw)·Cin + c] = W[(T_h−1−a)·s + rh, (T_w−1−b)·s + rw, c, o], or 0 where
 * that tap lies past the k×k filter (T = ⌈k/s⌉).
 */
export function phaseFilters(backend: tf.KernelBackend, filter: TensorInfo, s: number): TensorInfo {
  const [kh, kw, ci, co] = filter.shape as Shape4;
  const [th, tw] = [Math.ceil(kh / s), Math.ceil(kw / s)];
  return gather(backend, filter, [th, tw, co, s * s * ci], ([a, b, o, l]) => {
    const c = (l as number) % ci;
    const phase = ((l as number) - c) / ci;
    const i = (th - 1 - (a as number)) * s + Math.floor(phase / s);
    const j = (tw - 1 - (b as number)) * s + (phase % s);
    return i < kh && j < kw ? ((i * kw + j) * ci + c) * co + (o as number) : -1;
  });
}
