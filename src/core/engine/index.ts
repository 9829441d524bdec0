export * from "./backend.js";
export * from "./bench.js";
export { blockDiagonalFilter, type GroupedConvStrategy, groupedConv2d, groupedConv2dWith } from "./groupedConv.js";
export { adviseOnLoadError, GPU_INSTALL_STEPS, type NativeAdvice } from "./nativeAdvice.js";
export { nvidiaSmi } from "./nvidiaSmi.js";
export { tf } from "./tf.js";
export { wasmHeapBytes, wasmOutOfMemoryExplanation } from "./wasmMemory.js";
