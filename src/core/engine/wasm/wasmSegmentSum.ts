// UnsortedSegmentSum for the wasm backend, which lacks it. tf.gather's gradient reaches it (embedding lookups,
// label gathers); it is a ScatterNd with one index per row, which XNNPACK-free wasm code sums over duplicates.

import type { tf } from "../tf.js";
import { type TensorInfo, type WasmKernelArgs, wasmKernel, withScope } from "./wasmKernelScope.js";

function unsortedSegmentSum({ inputs, backend, attrs }: WasmKernelArgs): TensorInfo {
  const { x, segmentIds } = inputs as { x: TensorInfo; segmentIds: TensorInfo };
  const { numSegments } = attrs as unknown as tf.UnsortedSegmentSumAttrs;
  const rows = segmentIds.shape.reduce((p, d) => p * d, 1);
  // ScatterNd writes wherever an index points; TensorFlow drops out-of-range ids instead, so refuse them here.
  const ids = backend.readSync(segmentIds.dataId) as Int32Array;
  for (const id of ids) {
    if (id < 0 || id >= numSegments) throw new Error(`nfx wasm UnsortedSegmentSum: segment id ${id} out of range`);
  }
  const rest = x.shape.slice(segmentIds.shape.length);
  return withScope(backend, (s) =>
    s.run(
      "ScatterNd",
      { indices: s.reshape(segmentIds, [rows, 1]), updates: s.reshape(x, [rows, ...rest]) },
      { shape: [numSegments, ...rest] },
    ),
  );
}

export const unsortedSegmentSumConfig = wasmKernel("UnsortedSegmentSum", unsortedSegmentSum);
