// Depthwise Conv2D gradients for the wasm backend (it registers neither).
//   dx: a depthwise forward conv of the dilated dy with the spatially flipped filter, as for Conv2D; with a
//       channel multiplier m each input channel receives m outputs, summed afterwards.
//   dW: per filter tap (i,j), Σ over batch and pixels of the shifted, strided input times dy — kh·kw fused
//       slice-multiply-sum passes, the same work as the forward depthwise conv and no large intermediates.

import { tf } from "../tf.js";
import { cropNHWC, dilateNHWC, explicitPad, filterGradAxis, inputGradAxis } from "./wasmConvGeometry.js";
import { type TensorInfo, type WasmKernelArgs, wasmKernel, withScope } from "./wasmKernelScope.js";

type Shape4 = [number, number, number, number];

function checkDilations(dilations: [number, number] | number, kernel: string): void {
  const d = typeof dilations === "number" ? [dilations, dilations] : dilations;
  if (d[0] !== 1 || d[1] !== 1) throw new Error(`nfx wasm ${kernel}: dilations > 1 are not supported`);
}

function depthwiseBackpropInput({ inputs, backend, attrs }: WasmKernelArgs): TensorInfo {
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  const a = attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs;
  checkDilations(a.dilations, "DepthwiseConv2dNativeBackpropInput");
  const fs = filter.shape as Shape4;
  const info = tf.backend_util.computeConv2DInfo(a.inputShape, fs, a.strides, 1, a.pad, a.dimRoundingMode, true);
  const ph = inputGradAxis(info.inHeight, info.outHeight, info.filterHeight, info.strideHeight, info.padInfo.top);
  const pw = inputGradAxis(info.inWidth, info.outWidth, info.filterWidth, info.strideWidth, info.padInfo.left);
  const [kh, kw, c, m] = fs;
  return withScope(backend, (s) => {
    const dyd = cropNHWC(s, dilateNHWC(s, dy, info.strideHeight, info.strideWidth), ph, pw);
    const wf = s.reshape(s.run("Reverse", { x: filter }, { dims: [0, 1] }), [kh, kw, c * m, 1]);
    const g = s.run(
      "DepthwiseConv2dNative",
      { x: dyd, filter: wf },
      { strides: [1, 1], dilations: [1, 1], pad: explicitPad(ph, pw) },
    );
    if (m === 1) return g;
    const [n, h, w] = a.inputShape;
    return s.run("Sum", { x: s.reshape(g, [n, h, w, c, m]) }, { axis: [4], keepDims: false });
  });
}

function depthwiseBackpropFilter({ inputs, backend, attrs }: WasmKernelArgs): TensorInfo {
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const a = attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs;
  checkDilations(a.dilations, "DepthwiseConv2dNativeBackpropFilter");
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as Shape4,
    a.filterShape,
    a.strides,
    1,
    a.pad,
    a.dimRoundingMode,
    true,
  );
  const [kh, kw, c, m] = a.filterShape;
  const { outHeight: ho, outWidth: wo, strideHeight: sh, strideWidth: sw } = info;
  const ph = filterGradAxis(info.inHeight, ho, kh, sh, info.padInfo.top);
  const pw = filterGradAxis(info.inWidth, wo, kw, sw, info.padInfo.left);
  const n = x.shape[0] as number;
  return withScope(backend, (s) => {
    // xp: x padded/cropped so that tap (i,j) of output pixel (oh,ow) reads xp[oh·sh+i, ow·sw+j].
    const xp = s.zeroPadNHWC(cropNHWC(s, x, ph, pw), ph.before, ph.after, pw.before, pw.after);
    const dy5 = s.reshape(dy, [n, ho, wo, c, m]);
    const taps: TensorInfo[] = [];
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const xs = s.run(
          "StridedSlice",
          { x: xp },
          {
            begin: [0, i, j, 0],
            end: [n, i + (ho - 1) * sh + 1, j + (wo - 1) * sw + 1, c],
            strides: [1, sh, sw, 1],
            beginMask: 0,
            endMask: 0,
            ellipsisMask: 0,
            newAxisMask: 0,
            shrinkAxisMask: 0,
          },
        );
        const prod = s.run("Multiply", { a: s.reshape(xs, [n, ho, wo, c, 1]), b: dy5 });
        taps.push(s.run("Sum", { x: prod }, { axis: [0, 1, 2], keepDims: false })); // [c,m]
      }
    }
    const stacked = s.concat(taps, 0);
    return s.reshape(stacked, [kh, kw, c, m]);
  });
}

export const depthwiseBackpropInputConfig = wasmKernel("DepthwiseConv2dNativeBackpropInput", depthwiseBackpropInput);

export const depthwiseBackpropFilterConfig = wasmKernel("DepthwiseConv2dNativeBackpropFilter", depthwiseBackpropFilter);
