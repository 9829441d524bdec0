// Gradient kernels that tfjs's wasm backend lacks or runs slowly, registered so that wasm trains conv nets.

import { biasAddKernelConfigs } from "../ops/biasAdd.js";
import { agcKernelConfigs } from "../ops/fusedAgc.js";
import { batchNormKernelConfigs } from "../ops/fusedBatchNorm.js";
import { geluKernelConfigs } from "../ops/fusedGelu.js";
import { optimKernelConfigs } from "../ops/fusedOptim.js";
import { residualMergeKernelConfigs } from "../ops/residualMerge.js";
import { scaledReluKernelConfigs } from "../ops/scaledRelu.js";
import { stepChecksKernelConfigs } from "../ops/stepChecks.js";
import { wsKernelConfigs } from "../ops/weightStandardization.js";
import { tf } from "../tf.js";
import { conv2DBackpropFilterConfig, conv2DBackpropInputConfig } from "./wasmConvGradients.js";
import { depthwiseBackpropFilterConfig, depthwiseBackpropInputConfig } from "./wasmDepthwiseGradients.js";
import { untransposedWasmMatMuls } from "./wasmMatMul.js";
import { maxPoolGradConfig } from "./wasmMaxPoolGrad.js";
import { padGuardedWasmConvs } from "./wasmPadGuard.js";
import { leadingAxisReductions } from "./wasmReductions.js";
import { unsortedSegmentSumConfig } from "./wasmSegmentSum.js";
import { simdConv2D } from "./wasmSimdConv.js";
import { fastWasmSlices } from "./wasmSlice.js";
import { fastWasmTiles } from "./wasmTile.js";

/** The kernels nfx registers (or replaces) on the wasm backend. */
export const WASM_GRADIENT_KERNELS: readonly tf.KernelConfig[] = [
  conv2DBackpropInputConfig, // replaces wasm's own, a scalar C++ loop ≈15× slower than the forward conv
  conv2DBackpropFilterConfig,
  depthwiseBackpropInputConfig,
  depthwiseBackpropFilterConfig,
  unsortedSegmentSumConfig,
  maxPoolGradConfig, // replaces wasm's own, which routes gradients to the wrong pixels
];

let registered = false;

/** Registers nfx's gradient kernels for the wasm backend (idempotent). */
export function registerWasmGradients(): void {
  if (registered) return;
  // The guards, matmul and slice wrappers wrap wasm's own kernels (keeping their setupFunc), so they are built from
  // what is registered now, before any replacement.
  for (const config of [
    ...WASM_GRADIENT_KERNELS,
    ...padGuardedWasmConvs((c) => (c.kernelName === "Conv2D" ? simdConv2D(c) : c)), // nfx's SIMD forward conv
    ...untransposedWasmMatMuls(),
    ...fastWasmSlices(),
    ...fastWasmTiles(),
    ...leadingAxisReductions(),
    ...geluKernelConfigs,
    ...batchNormKernelConfigs,
    ...wsKernelConfigs,
    ...scaledReluKernelConfigs,
    ...residualMergeKernelConfigs,
    ...stepChecksKernelConfigs,
    ...biasAddKernelConfigs,
    ...agcKernelConfigs,
    ...optimKernelConfigs,
  ]) {
    // Unregister first: registerKernel on an existing name works but logs a warning for each.
    if (tf.getKernel(config.kernelName, "wasm") !== undefined) tf.unregisterKernel(config.kernelName, "wasm");
    tf.registerKernel(config);
  }
  registered = true;
}
