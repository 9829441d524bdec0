// Conv2D gradients for the wasm backend: nfx's SIMD kernels where they win, compositions of forward convs elsewhere.
//
// tfjs's wasm backend has no Conv2DBackpropFilter and its Conv2DBackpropInput is a plain C++ loop ≈15× slower
// than the forward conv. Both gradients are themselves correlations, so we express them as forward convs:
//   dx = conv(dy, flip(W)ᵀ, stride 1)                         (backprop-input, stride 1; strided: see
//                                                             wasmStridedInputGrad.ts — phases, no zeros; with
//                                                             Cin % 8 = 0 every stride takes its phase kernel)
//   dW = conv(xᵀ, dyᵀ, stride 1, dilation s)ᵀ                 (backprop-filter; batch and channels swap roles)
// where for dW the image is x with Cin as batch and N as channels, and the "filter" is dy [Ho,Wo,N,Cout].
// Measured on the 32×32×32×64 → 64 3×3 problem (2-core EPYC, 1 thread): XNNPACK's forward conv 101 ms; the
// filter gradient as the conv above 166 ms (the transposes cost ≈20 ms, and XNNPACK's GEMM for it has only
// kh·kw = 9 output rows per image and packs an 8 MB "filter" on every call; splitting the batch, banding rows,
// swapping x and dy, or im2col + one GEMM were all slower or equal). Now convs, and so backprop-input, run on nfx's
// own SIMD conv (wasmSimdConv.ts), and small filters' dW (up to SIMD_FILTER_GRAD_MAX_ELEMENTS) on nfx's SIMD
// filter-gradient kernel (simdKernels.wat), which reads padded x and dy in place: 70 ms with fused multiply-adds. It
// steps along each tap row's receptive-field run (kw·Cin contiguous values), so Cin needs no padding to 4: the
// 1-channel stem's dW ([64,28,28,1] → 16, 3×3) went from 1.3 to 0.5 ms.
// Larger filters keep the compositions here, where XNNPACK's packed GEMMs do better.
// Special cases: 1×1 convs' dW is one GEMM (strided ones slice first), and so is their dx where the phase kernel
// does not run (with Cin % 8 = 0 it is a 1×1 SIMD conv with Wᵀ, 5–10% faster than the GEMM). (Stems on 1–3 channel images, where the conv
// trick ran at ≈1 GFLOP/s, have small filters and so always take the SIMD kernel.)

import { tf } from "../tf.js";
import { conv2dFilterGrad, filterGradRunPad, simdKernelsAvailable } from "./simdKernels.js";
import { cropNHWC, dilateNHWC, explicitPad, filterGradAxis, inputGradAxis } from "./wasmConvGeometry.js";
import { flippedTransposedFilter } from "./wasmFilterLayout.js";
import {
  type TensorInfo,
  type WasmKernelArgs,
  type WasmKernelScope,
  wasmKernel,
  withScope,
} from "./wasmKernelScope.js";
import {
  inputGrad1x1Strided,
  inputGradPhases,
  inputGradScatter,
  inputGradScatterFits,
} from "./wasmStridedInputGrad.js";

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
  if (inputGradScatterFits(cin)) return withScope(backend, (s) => inputGradScatter(s, dy, filter, info));
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
    const wf = s.adopt(flippedTransposedFilter(backend, filter));
    return s.run(
      "Conv2D",
      { x: dyd, filter: wf },
      { strides: [1, 1], dilations: [1, 1], pad: explicitPad(ph, pw), dataFormat: "NHWC" },
    );
  });
}

/**
 * Up to this many filter elements nfx's SIMD kernel computes dW. Its dW tiles live in L2 between pixel blocks, and
 * measured against the compositions below (2-core EPYC, FMA build) it wins while dW is small: 3×3×64×64 70 vs
 * 166 ms, a 1-channel 3×3 stem 3.6 vs 5.9 ms, 1×1 16→32 0.7 vs 2.0 ms, 1×1 128→256 22 vs 35 ms; from 3×3×128×128
 * on it ties or loses (44 vs 37 ms at [32,12,12,128]; 3×3×512×512 151 vs 99 ms), where XNNPACK's packed GEMMs win.
 */
const SIMD_FILTER_GRAD_MAX_ELEMENTS = 65536;

const filterGradBySimd = (info: tf.backend_util.Conv2DInfo, cin: number, cout: number): boolean =>
  info.filterHeight * info.filterWidth * cin * cout <= SIMD_FILTER_GRAD_MAX_ELEMENTS && simdKernelsAvailable();

/**
 * dW by nfx's SIMD kernel over receptive-field runs (kw·Cin values per tap row, so no channel padding): x zero-padded
 * spatially, plus the columns the last pixel's run, rounded up to 4 values, reads; dy padded to a multiple of 8
 * channels; the padded runs' and channels' values sliced off again.
 */
function filterGradSimd(
  s: WasmKernelScope,
  backend: tf.KernelBackend,
  x: TensorInfo,
  dy: TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): TensorInfo {
  const cin = x.shape[3] as number;
  const cout = dy.shape[3] as number;
  const cout8 = Math.ceil(cout / 8) * 8;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const { top, bottom, left, right } = info.padInfo;
  const run = filterGradRunPad(kw, cin);
  const widthNeeded = (info.outWidth - 1) * sw + Math.ceil(run / cin);
  const extra = Math.max(0, widthNeeded - (left + info.inWidth + right));
  const xp = s.zeroPadNHWC(x, top, bottom, left, right + extra);
  const dyp = s.zeroPadNHWC(dy, 0, 0, 0, 0, cout8);
  const g = s.adopt(conv2dFilterGrad(backend, xp, dyp, kh, kw, sh, sw)); // [kh, run, cout8]
  const exact = run === kw * cin && cout8 === cout ? g : s.slice(g, [0, 0, 0], [kh, kw * cin, cout]);
  return s.reshape(exact, [kh, kw, cin, cout]);
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
    if (filterGradBySimd(info, cin, cout)) return filterGradSimd(s, backend, x, dy, info);
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
