// MaxPoolGrad for the wasm backend. tfjs-backend-wasm 4.22 registers one, but it routes the gradient to the
// wrong input pixel (relative error ≈0.5–0.9 against the cpu backend on random data, exact only on some
// integer inputs), so it is replaced. This is a direct loop over the wasm heap, in the cpu backend's scan order
// so that ties (e.g. windows of ReLU zeros) send the gradient to the same pixel: first maximum in row-major
// window order. It is memory-bound and runs once per pooling layer, so JS speed is enough here.
import { tf } from "../tf.js";
import { type TensorInfo, type WasmKernelArgs, wasmKernel, wasmOutput } from "./wasmKernelScope.js";

function maxPoolGrad({ inputs, backend, attrs }: WasmKernelArgs): TensorInfo {
  const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo };
  const a = attrs as unknown as tf.MaxPoolGradAttrs;
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    a.filterSize,
    a.strides,
    1,
    a.pad,
    a.dimRoundingMode,
  );
  const x = backend.readSync(input.dataId) as Float32Array;
  const g = backend.readSync(dy.dataId) as Float32Array;
  const { batchSize, inHeight: h, inWidth: w, inChannels: c, outHeight: ho, outWidth: wo } = info;
  const { strideHeight: sh, strideWidth: sw, effectiveFilterHeight: kh, effectiveFilterWidth: kw } = info;
  const { top, left } = info.padInfo;
  const dx = new Float32Array(x.length);
  for (let b = 0; b < batchSize; b++) {
    const xb = b * h * w * c;
    const yb = b * ho * wo * c;
    for (let oh = 0; oh < ho; oh++) {
      const r0 = oh * sh - top;
      const rStart = Math.max(0, r0);
      const rEnd = Math.min(h, r0 + kh);
      for (let ow = 0; ow < wo; ow++) {
        const c0 = ow * sw - left;
        const cStart = Math.max(0, c0);
        const cEnd = Math.min(w, c0 + kw);
        const yo = yb + (oh * wo + ow) * c;
        for (let d = 0; d < c; d++) {
          let best = Number.NEGATIVE_INFINITY;
          let at = -1;
          for (let r = rStart; r < rEnd; r++) {
            for (let q = cStart; q < cEnd; q++) {
              const i = xb + (r * w + q) * c + d;
              const v = x[i] as number;
              if (v > best) {
                best = v;
                at = i;
              }
            }
          }
          if (at >= 0) dx[at] = (dx[at] as number) + (g[yo + d] as number);
        }
      }
    }
  }
  return wasmOutput(backend, input.shape, dx);
}

export const maxPoolGradConfig = wasmKernel("MaxPoolGrad", maxPoolGrad);
