export * from "./backend/backend.js";
export { adviseOnLoadError, GPU_INSTALL_STEPS, type NativeAdvice } from "./backend/nativeAdvice.js";
export { nvidiaSmi } from "./backend/nvidiaSmi.js";
export * from "./bench/bench.js";
export { blockDiagonalFilter, type GroupedConvStrategy, groupedConv2d, groupedConv2dWith } from "./ops/groupedConv.js";
export { tf } from "./tf.js";
export { wasmHeapBytes, wasmOutOfMemoryExplanation } from "./wasm/wasmMemory.js";
