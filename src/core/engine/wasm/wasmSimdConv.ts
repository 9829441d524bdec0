// Conv2D on the wasm backend with nfx's own SIMD kernel (simdKernels.wat) where it applies, XNNPACK elsewhere.
// Measured (2-core EPYC, 1 thread, FMA build): 32×32×32×64 → 64 3×3, XNNPACK 95–101 ms (24 GFLOP/s), nfx 68 ms
// (35 GFLOP/s); faster on every shape tried, 1×1 and 1-channel stems included (conv2dFits). 1×1 stride-1 convs
// address pixels directly (conv1x1: 0.70 → 0.49 ms for [64,28,28,16] → 16, 3.3 → 2.7 ms over nf-resnet-micro's).
// Every conv on wasm goes through here, so the backprop-input kernels, which are forward convs of dy
// (wasmConvGradients.ts, wasmStridedInputGrad.ts), gain too. XNNPACK keeps NCHW, dilated convs and Cout % 8 ≠ 0.

import { tf } from "../tf.js";
import { conv2dFits, conv2dForward } from "./simdKernels.js";
import { type TensorInfo, type WasmKernelArgs, withScope } from "./wasmKernelScope.js";

type Shape4 = [number, number, number, number];

/** `xnnpack` (wasm's own Conv2D config) with nfx's SIMD kernel taking the NHWC, undilated convs it is faster at. */
export function simdConv2D(xnnpack: tf.KernelConfig): tf.KernelConfig {
  const fallback = xnnpack.kernelFunc as unknown as (args: WasmKernelArgs) => TensorInfo;
  const kernelFunc = (args: WasmKernelArgs): TensorInfo => {
    const { x, filter } = args.inputs as { x: TensorInfo; filter: TensorInfo };
    const a = args.attrs as unknown as tf.Conv2DAttrs;
    const [, , cin, cout] = filter.shape as Shape4;
    if (a.dataFormat === "NCHW" || !conv2dFits(cin, cout)) return fallback(args);
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as Shape4,
      filter.shape as Shape4,
      a.strides,
      a.dilations,
      a.pad,
      a.dimRoundingMode,
    );
    if (info.dilationHeight !== 1 || info.dilationWidth !== 1) return fallback(args);
    const { top, bottom, left, right } = info.padInfo;
    return withScope(args.backend, (s) => {
      const xp = s.zeroPadNHWC(x, top, bottom, left, right);
      return s.adopt(
        conv2dForward(args.backend, xp, filter, info.strideHeight, info.strideWidth, info.outHeight, info.outWidth),
      );
    });
  };
  return { ...xnnpack, kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}
