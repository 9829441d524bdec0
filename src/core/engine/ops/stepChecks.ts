// The training step's two bookkeeping numbers over all parameters in one kernel: the weights check Σ 0·w (0 when
// every weight is finite, else NaN) and the mean |g| over the skip gains. Composed from tfjs ops they take two
// kernels per parameter (≈ 90 kernel calls per step on nf-resnet-micro, ≈ 2 ms of dispatch on wasm).
import { tf } from "../tf.js";
import { simdKernelsAvailable, simdKernelsOn } from "../wasm/simdKernels.js";
import { heapF32, heapOffset, wasmHeap } from "../wasm/wasmHeap.js";
import type { TensorInfo, WasmKernelArgs } from "../wasm/wasmKernelScope.js";

const KERNEL = "NfxStepChecks";

/** inputs: the weights, then the skip gains (attrs.weights says how many come first); output [2] as below. */
function kernel({ inputs, backend, attrs }: WasmKernelArgs): TensorInfo {
  const b = wasmHeap(backend);
  const all = Object.values(inputs) as TensorInfo[];
  const weights = attrs?.weights as number;
  const size = (t: TensorInfo) => t.shape.reduce((p, d) => p * d, 1);
  const k = simdKernelsOn(b);
  let check = 0;
  for (const w of all.slice(0, weights)) check += k.zeroDotSum(heapOffset(b, w), size(w));
  let absSum = 0;
  let count = 0;
  for (const g of all.slice(weights)) {
    const heap = heapF32(b);
    const at = heapOffset(b, g) / 4;
    for (let i = 0; i < size(g); i++) absSum += Math.abs(heap[at + i] as number);
    count += size(g);
  }
  return b.makeOutput([2], "float32", undefined, Float32Array.of(check, count ? absSum / count : 0));
}

export const stepChecksKernelConfigs: readonly tf.KernelConfig[] = [
  { kernelName: KERNEL, backendName: "wasm", kernelFunc: kernel as unknown as tf.KernelFunc },
];

/**
 * [Σ 0·w over every element of `weights`, mean |g| over every element of `skipGains` (0 when there are none)]
 * as a float32 [2], in one kernel on wasm and by tfjs ops elsewhere. Both sums are order-independent in meaning:
 * the first is exactly 0 or NaN.
 */
export function stepChecks(weights: readonly tf.Tensor[], skipGains: readonly tf.Tensor[]): tf.Tensor1D {
  const all = [...weights, ...skipGains];
  if (
    all.every((t) => t.dtype === "float32") &&
    tf.getBackend() === "wasm" &&
    tf.getKernel(KERNEL, "wasm") !== undefined &&
    simdKernelsAvailable()
  ) {
    // Like AddN, a kernel over a list of tensors takes them as the input map's values.
    return tf
      .engine()
      .runKernel(KERNEL, all as unknown as tf.NamedTensorMap, { weights: weights.length }) as tf.Tensor1D;
  }
  return tf.tidy(() => {
    const check = tf.addN(weights.map((v) => v.mul(0).sum()));
    const count = skipGains.reduce((n, v) => n + v.size, 0);
    const mean = count ? tf.addN(skipGains.map((v) => v.abs().sum())).div(count) : tf.scalar(0);
    return tf.stack([check, mean]) as tf.Tensor1D;
  });
}
