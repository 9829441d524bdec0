// Tile for the wasm backend as block copies inside the wasm heap. tfjs 4.22's wasm Tile computes every output
// element's source index in a scalar C++ loop (≈ 20 M elements/s): the gradient of tfjs's FusedBatchNorm tiles
// mean and variance to the activation's shape, 150 ms of a 257 ms BN-ResNet-micro step, and tf.where's broadcasts
// tile too. Here the input's innermost rows are copied once into the output and every repetition is made by
// doubling the block already written (copyWithin, a memmove), so each output byte is written once at memcpy speed.
import { tf } from "../tf.js";
import { heapOffset, type WasmHeapBackend, wasmHeap } from "./wasmHeap.js";
import type { TensorInfo, WasmKernelArgs } from "./wasmKernelScope.js";

/** Bytes per element of the types tiled here (wasm stores bool as one byte); others go to tfjs's kernel. */
const ELEMENT_BYTES: Partial<Record<tf.DataType, 1 | 4>> = { float32: 4, int32: 4, bool: 1 };

/** Rows at most this long are repeated by an element loop: below it a copyWithin call costs more than it saves. */
const SHORT_RUN = 16;

type Heap = Int32Array | Uint8Array;

/**
 * The tile as axes (size in x, repetitions): runs of axes repeated once merge into one axis, and axes of size 1
 * repeated once vanish, so that the copy loops run over as few, as long rows as possible.
 */
function mergedAxes(shape: readonly number[], reps: readonly number[]): { size: number[]; rep: number[] } {
  const size: number[] = [];
  const rep: number[] = [];
  for (let d = 0; d < shape.length; d++) {
    const s = shape[d] as number;
    const p = reps[d] as number;
    if (s === 1 && p === 1) continue;
    const last = size.length - 1;
    if (p === 1 && last >= 0 && rep[last] === 1) size[last] = (size[last] as number) * s;
    else {
      size.push(s);
      rep.push(p);
    }
  }
  if (size.length === 0) return { size: [1], rep: [1] };
  return { size, rep };
}

/** Repeats the block heap[at, at + block) so that it fills heap[at, at + block·times), doubling what is written. */
function repeatBlock(heap: Heap, at: number, block: number, times: number): void {
  if (times <= 1) return;
  if (block === 1) {
    heap.fill(heap[at] as number, at + 1, at + times);
    return;
  }
  if (block * times <= SHORT_RUN) {
    for (let i = block; i < block * times; i++) heap[at + i] = heap[at + i - block] as number;
    return;
  }
  let done = 1;
  while (done < times) {
    const n = Math.min(done, times - done);
    heap.copyWithin(at + done * block, at, at + n * block);
    done += n;
  }
}

/**
 * Writes the tile of x's sub-block at `src` into the output's sub-block at `dst`, for axes d.. of the merged
 * layout. `xStride`/`outStride` are element strides per axis.
 */
function tileAxis(
  heap: Heap,
  axes: { size: number[]; rep: number[] },
  xStride: number[],
  outStride: number[],
  d: number,
  src: number,
  dst: number,
): void {
  const s = axes.size[d] as number;
  const p = axes.rep[d] as number;
  if (d === axes.size.length - 1) {
    if (s === 1) heap[dst] = heap[src] as number;
    else if (s <= SHORT_RUN) for (let i = 0; i < s; i++) heap[dst + i] = heap[src + i] as number;
    else heap.copyWithin(dst, src, src + s);
    repeatBlock(heap, dst, s, p);
    return;
  }
  const xs = xStride[d] as number;
  const os = outStride[d] as number;
  for (let i = 0; i < s; i++) tileAxis(heap, axes, xStride, outStride, d + 1, src + i * xs, dst + i * os);
  repeatBlock(heap, dst, s * os, p);
}

/** out = tile(x, reps): out[i] = x[i mod x.shape] per axis, for 1- and 4-byte dtypes on the wasm heap. */
function tileOnHeap(backend: WasmHeapBackend, x: TensorInfo, reps: readonly number[]): TensorInfo {
  const outShape = x.shape.map((s, d) => s * (reps[d] as number));
  const out = backend.makeOutput(outShape, x.dtype);
  if (outShape.reduce((p, d) => p * d, 1) === 0) return out;
  const axes = mergedAxes(x.shape, reps);
  const rank = axes.size.length;
  const xStride = new Array<number>(rank);
  const outStride = new Array<number>(rank);
  let xAcc = 1;
  let outAcc = 1;
  for (let d = rank - 1; d >= 0; d--) {
    xStride[d] = xAcc;
    outStride[d] = outAcc;
    xAcc *= axes.size[d] as number;
    outAcc *= (axes.size[d] as number) * (axes.rep[d] as number);
  }
  // The heap may have grown while allocating the output: take its view only now.
  const bytes = ELEMENT_BYTES[x.dtype] ?? 4;
  const buffer = backend.wasm.asm.memory.buffer;
  const heap = bytes === 1 ? new Uint8Array(buffer) : new Int32Array(buffer);
  tileAxis(heap, axes, xStride, outStride, 0, heapOffset(backend, x) / bytes, heapOffset(backend, out) / bytes);
  return out;
}

function fastTile(original: tf.KernelConfig): tf.KernelConfig {
  const inner = original.kernelFunc as unknown as (args: WasmKernelArgs) => TensorInfo;
  const kernelFunc = (args: WasmKernelArgs): TensorInfo => {
    const { x } = args.inputs as { x: TensorInfo };
    if (ELEMENT_BYTES[x.dtype] === undefined) return inner(args);
    const { reps } = args.attrs as unknown as tf.TileAttrs;
    return tileOnHeap(wasmHeap(args.backend), x, reps);
  };
  return { ...original, kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}

/** The heap-copy Tile to register in place of wasm's own (keeping its setupFunc for the dtypes it leaves). */
export function fastWasmTiles(): tf.KernelConfig[] {
  const tile = tf.getKernel("Tile", "wasm");
  return tile === undefined ? [] : [fastTile(tile)];
}
