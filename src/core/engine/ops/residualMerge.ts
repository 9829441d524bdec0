// The end of a normalizer-free residual block, out = h·mask[n]·g·α + s (+ sb), as one wasm kernel forward and one
// backward: h the residual branch [N,H,W,C], mask the per-example stochastic-depth keep mask [N] (0 or 1), g the
// block's skip gain (a scalar parameter), α the block's constant, s the shortcut and sb the shortcut conv's bias [C].
// Gradients: dh = dy·mask[n]·g·α, dg = α·Σ_n mask[n]·Σ dy·h, ds = dy, dsb = Σ dy over N,H,W. tfjs ops take
// 4–5 kernels forward and about 10 backward for the same.
import { tf } from "../tf.js";
import { simdKernelsAvailable, simdKernelsOn } from "../wasm/simdKernels.js";
import { heapF32, heapOffset, type WasmHeapBackend, wasmHeap } from "../wasm/wasmHeap.js";
import type { TensorInfo, WasmKernelArgs } from "../wasm/wasmKernelScope.js";

const FORWARD = "NfxResidualMerge";
const BACKWARD = "NfxResidualMergeGrad";

/** Runs `body` with mask[k]·g·α for each example k in a scratch [N] on the heap (byte offset), freed afterwards. */
function withFactors(b: WasmHeapBackend, inputs: tf.NamedTensorInfoMap, alpha: number, body: (f: number) => void) {
  const mask = inputs.mask as TensorInfo;
  const n = mask.shape[0] as number;
  const scratch = b.makeOutput([Math.max(n, 1)], "float32");
  try {
    const heap = heapF32(b);
    const g = heap[heapOffset(b, inputs.g as TensorInfo) / 4] as number;
    const [m, f] = [heapOffset(b, mask) / 4, heapOffset(b, scratch)];
    for (let k = 0; k < n; k++) heap[f / 4 + k] = (heap[m + k] as number) * g * alpha;
    body(f);
  } finally {
    b.disposeData(scratch.dataId);
  }
}

function forwardKernel({ inputs, backend, attrs }: WasmKernelArgs): TensorInfo {
  const b = wasmHeap(backend);
  const h = inputs.h as TensorInfo;
  const sb = inputs.sb as TensorInfo | undefined;
  const out = b.makeOutput(h.shape, "float32");
  const [n, height, width, c] = h.shape as [number, number, number, number];
  withFactors(b, inputs, attrs?.alpha as number, (f) => {
    const [hAt, sAt, outAt] = [heapOffset(b, h), heapOffset(b, inputs.s as TensorInfo), heapOffset(b, out)];
    const sbAt = sb === undefined ? 0 : heapOffset(b, sb);
    simdKernelsOn(b).residualMerge(hAt, f, sAt, sbAt, outAt, n, height * width, c, sb === undefined ? 0 : 1);
  });
  return out;
}

function backwardKernel({ inputs, backend, attrs }: WasmKernelArgs): TensorInfo[] {
  const b = wasmHeap(backend);
  const h = inputs.h as TensorInfo;
  const n = h.shape[0] as number;
  const alpha = attrs?.alpha as number;
  const dh = b.makeOutput(h.shape, "float32");
  const dg = b.makeOutput((inputs.g as TensorInfo).shape, "float32");
  const dots = b.makeOutput([Math.max(n, 1)], "float32");
  try {
    withFactors(b, inputs, alpha, (f) => {
      const per = n === 0 ? 0 : h.shape.reduce((p, d) => p * d, 1) / n;
      const [dyAt, hAt] = [heapOffset(b, inputs.dy as TensorInfo), heapOffset(b, h)];
      simdKernelsOn(b).residualMergeGrad(dyAt, hAt, f, heapOffset(b, dh), heapOffset(b, dots), n, per);
      const heap = heapF32(b);
      const [m, d] = [heapOffset(b, inputs.mask as TensorInfo) / 4, heapOffset(b, dots) / 4];
      let sum = 0;
      for (let k = 0; k < n; k++) sum += (heap[m + k] as number) * (heap[d + k] as number);
      heap[heapOffset(b, dg) / 4] = alpha * sum;
    });
  } finally {
    b.disposeData(dots.dataId);
  }
  return [dh, dg];
}

export const residualMergeKernelConfigs: readonly tf.KernelConfig[] = [
  { kernelName: FORWARD, backendName: "wasm", kernelFunc: forwardKernel as unknown as tf.KernelFunc },
  { kernelName: BACKWARD, backendName: "wasm", kernelFunc: backwardKernel as unknown as tf.KernelFunc },
];

tf.registerGradient({
  kernelName: FORWARD,
  inputsToSave: ["h", "g", "mask"],
  gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs?: tf.NamedAttrMap) => {
    const [h, g, mask] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
    const d = dy as tf.Tensor;
    const [dh, dg] = tf.engine().runKernel(BACKWARD, { dy: d, h, g, mask }, attrs ?? {}) as tf.Tensor[];
    return {
      h: () => dh as tf.Tensor,
      g: () => dg as tf.Tensor,
      s: () => d.clone(),
      sb: () => tf.sum(d, [0, 1, 2]),
      mask: () => tf.zerosLike(mask), // a constant: the tape asks only when a caller differentiates by it
    };
  },
});

/**
 * Whether the fused kernels merge here: float32 on the wasm backend with nfx's SIMD kernels, h and s of the same
 * [N,H,W,C] shape with C in groups of 4, a scalar gain, and the bias (if any) [C].
 */
export function residualMergeApplies(h: tf.Tensor, g: tf.Tensor, s: tf.Tensor, sb: tf.Tensor | null): boolean {
  const c = h.shape[3] as number;
  return (
    h.rank === 4 &&
    h.dtype === "float32" &&
    s.dtype === "float32" &&
    g.dtype === "float32" &&
    g.size === 1 &&
    h.shape.every((d, i) => d === s.shape[i]) &&
    c % 4 === 0 &&
    h.size > 0 &&
    (sb === null || (sb.dtype === "float32" && sb.rank === 1 && sb.size === c)) &&
    tf.getBackend() === "wasm" &&
    tf.getKernel(FORWARD, "wasm") !== undefined &&
    simdKernelsAvailable()
  );
}

/**
 * h·keep[n]·g·α + s (+ sb over the last axis) by the fused kernels (`residualMergeApplies`); keep [N] holds each
 * example's stochastic-depth mask (all ones without it).
 */
export function residualMerge(
  h: tf.Tensor4D,
  g: tf.Tensor,
  alpha: number,
  s: tf.Tensor4D,
  sb: tf.Tensor1D | null,
  keep: Float32Array,
): tf.Tensor4D {
  const mask = tf.tensor1d(keep, "float32");
  const inputs: tf.NamedTensorMap = sb === null ? { h, g, s, mask } : { h, g, s, mask, sb };
  const out = tf.engine().runKernel(FORWARD, inputs, { alpha }) as tf.Tensor4D;
  return out;
}
