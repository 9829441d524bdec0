// Where tensors live on the tfjs wasm backend's heap: the one view of BackendWasm's internals that nfx's
// heap-level kernels use (simdKernels.ts, wasmSlice.ts, wasmFilterLayout.ts, wasmKernelScope.ts).
import type { tf } from "../tf.js";

type TensorInfo = tf.TensorInfo;

/** The parts of tfjs's BackendWasm nfx uses: its memory, where each tensor is in it, and allocation. */
export interface WasmHeapBackend {
  wasm: { asm: { memory: { readonly buffer: ArrayBuffer } } };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType, memoryOffset?: number, values?: Float32Array): TensorInfo;
  disposeData(dataId: object): boolean;
}

export const wasmHeap = (backend: tf.KernelBackend): WasmHeapBackend => backend as unknown as WasmHeapBackend;

/** Byte offset of t's data in the heap. */
export function heapOffset(b: WasmHeapBackend, t: TensorInfo): number {
  const at = b.dataIdMap.get(t.dataId)?.memoryOffset;
  if (at === undefined) throw new Error("nfx wasm: tensor is not on the wasm heap");
  return at;
}

/** The heap as floats — taken anew each time, since an allocation may have grown (and so replaced) the buffer. */
export const heapF32 = (b: WasmHeapBackend): Float32Array => new Float32Array(b.wasm.asm.memory.buffer);

/** Sets t's first `count` float32 values to 0 (outputs the kernels would not write: empty inputs). */
export function zeroFill(b: WasmHeapBackend, t: TensorInfo, count: number): void {
  const at = heapOffset(b, t) / 4;
  heapF32(b).fill(0, at, at + count);
}
