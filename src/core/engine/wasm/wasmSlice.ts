// Slice, StridedSlice and SplitV for the wasm backend as block copies inside the wasm heap. tfjs 4.22's wasm Slice first
// copies the *whole* input out of the heap (readSync) and its StridedSlice runs a per-element loop: cropping a
// [128,28,28,16] activation took 14 ms and taking every second pixel of it 93 ms, against 1.3 ms for an
// elementwise op of the same size. Gradient kernels (crops, phases, taps), tf.split (grouped convs) and
// strided shortcuts all slice, so both are replaced. Here a slice is a loop over the outer indices that copies
// the longest contiguous run of elements at a time with copyWithin, on views of the heap (no copy out).
// (wasm's own StridedSlice also returns garbage for bool tensors; this one does not.)
import { tf } from "../tf.js";
import { heapOffset, type WasmHeapBackend, wasmHeap } from "./wasmHeap.js";
import type { TensorInfo, WasmKernelArgs } from "./wasmKernelScope.js";

/** Bytes per element of the types copied here (wasm stores bool as one byte); others go to tfjs's kernel. */
const ELEMENT_BYTES: Partial<Record<tf.DataType, 1 | 4>> = { float32: 4, int32: 4, bool: 1 };

/**
 * out[i] = x[begin + i·strides] for every index i of `outShape` (strides ≥ 1, all in range), as block copies:
 * the trailing axes that are taken whole, plus the next one if its stride is 1, form one contiguous run.
 */
function stridedCopy(
  backend: WasmHeapBackend,
  x: TensorInfo,
  begin: number[],
  strides: number[],
  outShape: number[],
): TensorInfo {
  const out = backend.makeOutput(outShape, x.dtype);
  const size = outShape.reduce((p, d) => p * d, 1);
  if (size === 0) return out;
  const rank = x.shape.length;
  // The heap may have grown while allocating the output: take its views only now.
  const bytes = ELEMENT_BYTES[x.dtype] ?? 4;
  const buffer = backend.wasm.asm.memory.buffer;
  const heap = bytes === 1 ? new Uint8Array(buffer) : new Int32Array(buffer);
  const xBase = heapOffset(backend, x) / bytes;
  const outBase = heapOffset(backend, out) / bytes;
  const xStrides = new Array<number>(rank);
  let acc = 1;
  for (let d = rank - 1; d >= 0; d--) {
    xStrides[d] = acc;
    acc *= x.shape[d] as number;
  }
  // Axes k.. are copied as one run of `run` elements.
  let k = rank;
  let run = 1;
  while (k > 0 && begin[k - 1] === 0 && strides[k - 1] === 1 && outShape[k - 1] === x.shape[k - 1]) {
    k--;
    run *= x.shape[k] as number;
  }
  if (k > 0 && strides[k - 1] === 1) {
    k--;
    run *= outShape[k] as number;
  }
  const idx = new Array<number>(k).fill(0);
  let src = xBase;
  for (let d = 0; d < k; d++) src += (begin[d] as number) * (xStrides[d] as number);
  if (k < rank) src += (begin[k] as number) * (xStrides[k] as number);
  let dst = outBase;
  const steps = k === 0 ? 1 : size / run;
  for (let i = 0; i < steps; i++) {
    if (run === 1) heap[dst] = heap[src] as number;
    else heap.copyWithin(dst, src, src + run);
    dst += run;
    // Odometer over the outer axes 0..k-1, moving `src` by each axis's input stride times its slice stride.
    for (let d = k - 1; d >= 0; d--) {
      const step = (strides[d] as number) * (xStrides[d] as number);
      if ((idx[d] as number) + 1 < (outShape[d] as number)) {
        idx[d] = (idx[d] as number) + 1;
        src += step;
        break;
      }
      src -= (idx[d] as number) * step;
      idx[d] = 0;
    }
  }
  return out;
}

function fastSlice(original: tf.KernelConfig): tf.KernelConfig {
  const inner = original.kernelFunc as unknown as (args: WasmKernelArgs) => TensorInfo;
  const kernelFunc = (args: WasmKernelArgs): TensorInfo => {
    const { x } = args.inputs as { x: TensorInfo };
    if (ELEMENT_BYTES[x.dtype] === undefined) return inner(args);
    const { begin, size } = args.attrs as unknown as tf.SliceAttrs;
    const [b, s] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size);
    return stridedCopy(wasmHeap(args.backend), x, b, new Array(b.length).fill(1), s);
  };
  return { ...original, kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}

function fastStridedSlice(original: tf.KernelConfig): tf.KernelConfig {
  const inner = original.kernelFunc as unknown as (args: WasmKernelArgs) => TensorInfo;
  const kernelFunc = (args: WasmKernelArgs): TensorInfo => {
    const { x } = args.inputs as { x: TensorInfo };
    if (ELEMENT_BYTES[x.dtype] === undefined) return inner(args);
    const a = args.attrs as unknown as tf.StridedSliceAttrs;
    const info = tf.slice_util.sliceInfo(
      x.shape,
      a.begin,
      a.end,
      a.strides,
      a.beginMask,
      a.endMask,
      a.ellipsisMask,
      a.newAxisMask,
      a.shrinkAxisMask,
    );
    // Only the dense forward case: negative strides (reversals) and identities stay with tfjs's kernel.
    if (info.isIdentity || info.strides.some((st) => st < 1) || info.finalShapeSparse.length !== x.shape.length) {
      return inner(args);
    }
    const backend = wasmHeap(args.backend);
    const dense = stridedCopy(backend, x, info.begin, info.strides, info.finalShapeSparse);
    if (info.finalShape.length === info.finalShapeSparse.length) return dense;
    // Shrunk axes: the same data under the final shape (Reshape shares it; the dense output is then released).
    const reshape = tf.getKernel("Reshape", "wasm");
    if (reshape === undefined) throw new Error("nfx wasm StridedSlice: no Reshape kernel");
    const out = reshape.kernelFunc({
      inputs: { x: dense },
      backend: args.backend,
      attrs: { shape: info.finalShape },
    }) as TensorInfo;
    args.backend.disposeData(dense.dataId);
    return out;
  };
  return { ...original, kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}

/** SplitV (tf.split; grouped convs split activations and filters by group) as one heap copy per part. */
function fastSplitV(original: tf.KernelConfig): tf.KernelConfig {
  const inner = original.kernelFunc as unknown as (args: WasmKernelArgs) => TensorInfo[];
  const kernelFunc = (args: WasmKernelArgs): TensorInfo[] => {
    const { x } = args.inputs as { x: TensorInfo };
    if (ELEMENT_BYTES[x.dtype] === undefined) return inner(args);
    const { numOrSizeSplits, axis } = args.attrs as unknown as tf.SplitVAttrs;
    const ax = tf.util.parseAxisParam(axis, x.shape)[0] as number;
    const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, ax);
    const backend = wasmHeap(args.backend);
    const begin = new Array<number>(x.shape.length).fill(0);
    const ones = new Array<number>(x.shape.length).fill(1);
    return sizes.map((size) => {
      const shape = [...x.shape];
      shape[ax] = size;
      const part = stridedCopy(backend, x, [...begin], ones, shape);
      begin[ax] = (begin[ax] as number) + size;
      return part;
    });
  };
  return { ...original, kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}

/**
 * Identity (tf.clone, same-dtype casts, tensors saved by custom gradients) sharing the input's data by reference
 * count, as the cpu backend and wasm's own Reshape do; wasm's copies every byte. Tensor data is never written in
 * place (a variable's assign swaps in new data), so sharing is safe.
 */
function sharedIdentity(original: tf.KernelConfig): tf.KernelConfig {
  const inner = original.kernelFunc as unknown as (args: WasmKernelArgs) => TensorInfo;
  const kernelFunc = (args: WasmKernelArgs): TensorInfo => {
    const { x } = args.inputs as { x: TensorInfo };
    if (x.dtype === "string") return inner(args);
    args.backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
  };
  return { ...original, kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}

/** Heap-copy versions of wasm's Slice, StridedSlice and SplitV, and a sharing Identity, to register in their place. */
export function fastWasmSlices(): tf.KernelConfig[] {
  const out: tf.KernelConfig[] = [];
  const identity = tf.getKernel("Identity", "wasm");
  if (identity !== undefined) out.push(sharedIdentity(identity));
  const split = tf.getKernel("SplitV", "wasm");
  if (split !== undefined) out.push(fastSplitV(split));
  const slice = tf.getKernel("Slice", "wasm");
  if (slice !== undefined) out.push(fastSlice(slice));
  const strided = tf.getKernel("StridedSlice", "wasm");
  if (strided !== undefined) out.push(fastStridedSlice(strided));
  return out;
}
