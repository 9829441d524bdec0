// Conv2D gradients for the wasm backend, built from its XNNPACK forward convolution.
//
// tfjs's wasm backend has no Conv2DBackpropFilter and its Conv2DBackpropInput is a plain C++ loop ≈15× slower
// than the forward conv. Both gradients are themselves correlations, so we express them as forward convs:
//   dx = conv(dy, flip(W)ᵀ, stride 1)                         (backprop-input, stride 1; strided: see
//                                                             wasmStridedInputGrad.ts — phases, no zeros)
//   dW = conv(xᵀ, dyᵀ, stride 1, dilation s)ᵀ                 (backprop-filter; batch and channels swap roles)
// where for dW the image is x with Cin as batch and N as channels, and the "filter" is dy [Ho,Wo,N,Cout].
// Measured on the 32×32×32×64 → 64 3×3 problem (2-core EPYC, SIMD, 1 thread): forward 107 ms, backprop-input
// 113 ms, backprop-filter 164 ms (the transposes cost ≈20 ms; XNNPACK runs the remaining conv, whose "filter" is
// a 2M-element activation, ≈1.2× slower than the forward one). Splitting the batch into chunks to shrink that
// filter, banding the rows, or building im2col with slices were all measured slower.

import { tf } from "./tf.js";
import { cropNHWC, dilateNHWC, explicitPad, filterGradAxis, inputGradAxis } from "./wasmConvGeometry.js";
import { type TensorInfo, type WasmKernelArgs, wasmKernel, withScope } from "./wasmKernelScope.js";
import { inputGrad1x1Strided, inputGradPhases } from "./wasmStridedInputGrad.js";

type Shape4 = [number, number, number, number];

function conv2DBackpropInput({ inputs, backend, attrs }: WasmKernelArgs): TensorInfo {
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  const a = attrs as unknown as tf.Conv2DBackpropInputAttrs;
  if (a.dataFormat === "NCHW") throw new Error("nfx wasm Conv2DBackpropInput supports NHWC only");
  const info = tf.backend_util.computeConv2DInfo(
    a.inputShape,
    filter.shape as Shape4,
    a.strides,
    1,
    a.pad,
    a.dimRoundingMode,
  );
  const ph = inputGradAxis(info.inHeight, info.outHeight, info.filterHeight, info.strideHeight, info.padInfo.top);
  const pw = inputGradAxis(info.inWidth, info.outWidth, info.filterWidth, info.strideWidth, info.padInfo.left);
  const strided = info.strideHeight > 1 || info.strideWidth > 1;
  if (strided && info.filterHeight === 1 && info.filterWidth === 1) {
    return withScope(backend, (s) => inputGrad1x1Strided(s, dy, filter, info));
  }
  if (strided && info.strideHeight === info.strideWidth) {
    return withScope(backend, (s) => inputGradPhases(s, dy, filter, info));
  }
  return withScope(backend, (s) => {
    // Stride 1 (or unequal strides, which DepthToSpace cannot interleave): dilate dy and run one stride-1 conv.
    const dyd = cropNHWC(s, dilateNHWC(s, dy, info.strideHeight, info.strideWidth), ph, pw);
    // flip(W)ᵀ: [kh,kw,Cin,Cout] reversed spatially, channels swapped → [kh,kw,Cout,Cin].
    const wf = s.transpose(s.run("Reverse", { x: filter }, { dims: [0, 1] }), [0, 1, 3, 2]);
    return s.run(
      "Conv2D",
      { x: dyd, filter: wf },
      { strides: [1, 1], dilations: [1, 1], pad: explicitPad(ph, pw), dataFormat: "NHWC" },
    );
  });
}

function conv2DBackpropFilter({ inputs, backend, attrs }: WasmKernelArgs): TensorInfo {
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const a = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  if (a.dataFormat === "NCHW") throw new Error("nfx wasm Conv2DBackpropFilter supports NHWC only");
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as Shape4,
    a.filterShape,
    a.strides,
    1,
    a.pad,
    a.dimRoundingMode,
  );
  const ph = filterGradAxis(info.inHeight, info.outHeight, info.filterHeight, info.strideHeight, info.padInfo.top);
  const pw = filterGradAxis(info.inWidth, info.outWidth, info.filterWidth, info.strideWidth, info.padInfo.left);
  const [n, , , cin] = x.shape as Shape4;
  const cout = dy.shape[3] as number;
  return withScope(backend, (s) => {
    if (info.filterHeight === 1 && info.filterWidth === 1 && info.strideHeight === 1 && info.strideWidth === 1) {
      // 1×1 stride 1: dW = xᵀ·dy over all pixels — one GEMM, no transposes.
      const rows = n * info.inHeight * info.inWidth;
      const g = s.run(
        "BatchMatMul",
        { a: s.reshape(x, [1, rows, cin]), b: s.reshape(dy, [1, rows, cout]) },
        { transposeA: true, transposeB: false },
      );
      return s.reshape(g, [1, 1, cin, cout]);
    }
    const xc = cropNHWC(s, x, ph, pw);
    const xt = s.transpose(xc, [3, 1, 2, 0]); // [Cin,H,W,N]: Cin images of N channels
    const dyt = s.transpose(dy, [1, 2, 0, 3]); // [Ho,Wo,N,Cout]: dy as the filter
    const g = s.run(
      "Conv2D",
      { x: xt, filter: dyt },
      {
        strides: [1, 1],
        dilations: [info.strideHeight, info.strideWidth],
        pad: explicitPad(ph, pw),
        dataFormat: "NHWC",
      },
    ); // [Cin,kh,kw,Cout]
    return s.transpose(g, [1, 2, 0, 3]);
  });
}

export const conv2DBackpropInputConfig = wasmKernel("Conv2DBackpropInput", conv2DBackpropInput);

export const conv2DBackpropFilterConfig = wasmKernel("Conv2DBackpropFilter", conv2DBackpropFilter);
