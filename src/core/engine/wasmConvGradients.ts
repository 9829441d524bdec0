// Conv2D gradients for the wasm backend, built from its XNNPACK forward convolution.
//
// tfjs's wasm backend has no Conv2DBackpropFilter and its Conv2DBackpropInput is a plain C++ loop ≈15× slower
// than the forward conv. Both gradients are themselves correlations, so we express them as forward convs:
//   dx = conv(dy, flip(W)ᵀ, stride 1)                         (backprop-input, stride 1; strided: see
//                                                             wasmStridedInputGrad.ts — phases, no zeros)
//   dW = conv(xᵀ, dyᵀ, stride 1, dilation s)ᵀ                 (backprop-filter; batch and channels swap roles)
// where for dW the image is x with Cin as batch and N as channels, and the "filter" is dy [Ho,Wo,N,Cout].
// Measured on the 32×32×32×64 → 64 3×3 problem (2-core EPYC, SIMD, 1 thread): forward 101 ms, backprop-input
// 103 ms. The filter gradient as the conv above took 166 ms (the transposes cost ≈20 ms, and XNNPACK's GEMM for
// it has only kh·kw = 9 output rows per image and packs an 8 MB "filter" on every call); splitting the batch,
// banding rows, swapping x and dy, or im2col + one GEMM were all slower or equal. So where the channels allow
// (Cin % 4 = 0, Cout % 8 = 0) dW comes from nfx's own wasm SIMD kernel
// (simdKernels.wat), which reads padded x and dy in place: 85 ms, 28.6 GFLOP/s. The conv trick stays for other
// channel counts.
// Special cases: 1×1 convs are one GEMM (strided ones slice first); up to 64 taps × input channels (stems on
// 1–3 channel images) dW is a GEMM over explicit patches.

import { conv2dFilterGrad, filterGradFits } from "./simdKernels.js";
import { tf } from "./tf.js";
import { cropNHWC, dilateNHWC, explicitPad, filterGradAxis, inputGradAxis } from "./wasmConvGeometry.js";
import {
  type TensorInfo,
  type WasmKernelArgs,
  type WasmKernelScope,
  wasmKernel,
  withScope,
} from "./wasmKernelScope.js";
import { inputGrad1x1Strided, inputGradPhases } from "./wasmStridedInputGrad.js";

type Shape4 = [number, number, number, number];

const noPadding = (info: tf.backend_util.Conv2DInfo): boolean =>
  info.padInfo.top === 0 && info.padInfo.bottom === 0 && info.padInfo.left === 0 && info.padInfo.right === 0;

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
  const [n, , , cin] = a.inputShape;
  if (!strided && info.filterHeight === 1 && info.filterWidth === 1 && noPadding(info)) {
    // 1×1 stride 1: dx = dy·Wᵀ over all pixels — one GEMM (wasmMatMul.ts makes transposeB a transpose and a·b).
    const rows = n * info.inHeight * info.inWidth;
    const cout = filter.shape[3] as number;
    return withScope(backend, (s) => {
      const g = s.run(
        "BatchMatMul",
        { a: s.reshape(dy, [1, rows, cout]), b: s.reshape(filter, [1, cin, cout]) },
        { transposeA: false, transposeB: true },
      );
      return s.reshape(g, [n, info.inHeight, info.inWidth, cin]);
    });
  }
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

/**
 * Up to this many filter taps × input channels (a stem on 1–3 channel images), dW is computed as one GEMM over
 * explicit patches: the conv trick below has only kh·kw output pixels and N input channels there and ran at about
 * 1 GFLOP/s (the 3×3 stem of a 28×28×1 batch of 128: 23 ms; as patches: 3 ms).
 */
const IM2COL_MAX_K = 64;

/** dW = patchesᵀ·dy: patchesᵀ [kh·kw·Cin, N·Ho·Wo] built tap by tap from x transposed to [Cin,N,H,W] and padded. */
function filterGradIm2col(
  s: WasmKernelScope,
  x: TensorInfo,
  dy: TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): TensorInfo {
  const [n, , , cin] = x.shape as Shape4;
  const cout = dy.shape[3] as number;
  const { outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw } = info;
  const { top, bottom, left, right } = info.padInfo;
  const xt = s.pad(s.transpose(x, [3, 0, 1, 2]), [
    [0, 0],
    [0, 0],
    [top, bottom],
    [left, right],
  ]); // [Cin, N, H+pads, W+pads]
  const rows = n * oh * ow;
  const taps: TensorInfo[] = [];
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const tap = s.stridedSlice(
        xt,
        [0, 0, i, j],
        [cin, n, i + (oh - 1) * sh + 1, j + (ow - 1) * sw + 1],
        [1, 1, sh, sw],
      );
      taps.push(s.reshape(tap, [cin, rows]));
    }
  }
  // Row (i·kw + j)·Cin + c of the patches is filter element [i, j, c]: HWIO order, so the GEMM's result reshapes.
  const patches = s.concat(taps, 0);
  const g = s.run(
    "BatchMatMul",
    { a: s.reshape(patches, [1, kh * kw * cin, rows]), b: s.reshape(dy, [1, rows, cout]) },
    { transposeA: false, transposeB: false },
  );
  return s.reshape(g, [kh, kw, cin, cout]);
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
    if (info.filterHeight === 1 && info.filterWidth === 1 && noPadding(info)) {
      // 1×1: dW = xᵀ·dy over all output pixels — one GEMM. A strided 1×1 conv only ever reads every s-th pixel,
      // so those are sliced out first (the conv trick below would run a dilated conv over the whole input).
      const { outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw } = info;
      const xs = s.stridedSlice(x, [0, 0, 0, 0], [n, (oh - 1) * sh + 1, (ow - 1) * sw + 1, cin], [1, sh, sw, 1]);
      const rows = n * oh * ow;
      const g = s.run(
        "BatchMatMul",
        { a: s.reshape(xs, [1, rows, cin]), b: s.reshape(dy, [1, rows, cout]) },
        { transposeA: true, transposeB: false }, // wasmMatMul.ts turns this into a transpose and a fast a·b
      );
      return s.reshape(g, [1, 1, cin, cout]);
    }
    if (info.filterHeight * info.filterWidth * cin <= IM2COL_MAX_K) return filterGradIm2col(s, x, dy, info);
    if (filterGradFits(cin, cout)) {
      const { top, bottom, left, right } = info.padInfo;
      const xp = s.zeroPadNHWC(x, top, bottom, left, right);
      const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
      return s.adopt(conv2dFilterGrad(backend, xp, dy, kh, kw, sh, sw));
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
