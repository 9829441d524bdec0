// A conv's bias, y = z + b over the last axis, as one wasm kernel: tfjs's wasm Add broadcasts element by element
// (0.6 ms for a [64,28,28,16] activation, about 5× a plain pass). The gradient is dz = dy, db = Σ dy over the
// leading axes (a Sum nfx's wasm reductions already run in one pass, wasmReductions.ts).
import { tf } from "../tf.js";
import { simdKernelsAvailable, simdKernelsOn } from "../wasm/simdKernels.js";
import { heapOffset, wasmHeap } from "../wasm/wasmHeap.js";
import type { TensorInfo, WasmKernelArgs } from "../wasm/wasmKernelScope.js";

const KERNEL = "NfxBiasAdd";

function kernel({ inputs, backend }: WasmKernelArgs): TensorInfo {
  const b = wasmHeap(backend);
  const z = inputs.z as TensorInfo;
  const out = b.makeOutput(z.shape, "float32");
  const cols = z.shape[z.shape.length - 1] as number;
  const rows = z.shape.reduce((p, d) => p * d, 1) / cols;
  const [zAt, bAt, outAt] = [heapOffset(b, z), heapOffset(b, inputs.b as TensorInfo), heapOffset(b, out)];
  simdKernelsOn(b).biasAdd(zAt, bAt, outAt, rows, cols);
  return out;
}

export const biasAddKernelConfigs: readonly tf.KernelConfig[] = [
  { kernelName: KERNEL, backendName: "wasm", kernelFunc: kernel as unknown as tf.KernelFunc },
];

tf.registerGradient({
  kernelName: KERNEL,
  gradFunc: (dy: tf.Tensor | tf.Tensor[]) => {
    const d = dy as tf.Tensor;
    return { z: () => d.clone(), b: () => tf.sum(d, [...Array(d.rank - 1).keys()]) };
  },
});

/**
 * z + bias with bias [C] over z's last axis: one wasm kernel where nfx's kernels run (float32, C in groups of 4),
 * tfjs's Add elsewhere.
 */
export function addBias<T extends tf.Tensor>(z: T, bias: tf.Tensor1D): T {
  const c = z.shape[z.rank - 1] as number;
  const fused =
    z.dtype === "float32" &&
    bias.dtype === "float32" &&
    bias.rank === 1 &&
    bias.size === c &&
    c % 4 === 0 &&
    z.size > 0 &&
    tf.getBackend() === "wasm" &&
    tf.getKernel(KERNEL, "wasm") !== undefined &&
    simdKernelsAvailable();
  return fused ? (tf.engine().runKernel(KERNEL, { z, b: bias }) as T) : (tf.add(z, bias) as T);
}
