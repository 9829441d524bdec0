// A scaled ReLU with an optional per-channel bias, y = s·max(z + b, 0), as one wasm kernel forward and one backward
// (dz = s·dy·[y > 0], db = Σ dz over all but the last axis). The NF block applies it to every conv's output (bias,
// ReLU, γ and β: 3–4 tfjs kernels forward and 5–6 backward). The gradient reads the output y, which the next conv
// keeps anyway, so nothing else stays alive for the backward pass; y > 0 ⇔ z + b > 0 since s > 0 (callers ensure it).
import { tf } from "../tf.js";
import { simdKernelsAvailable, simdKernelsOn } from "../wasm/simdKernels.js";
import { heapOffset, wasmHeap } from "../wasm/wasmHeap.js";
import type { TensorInfo, WasmKernelArgs } from "../wasm/wasmKernelScope.js";

const FORWARD = "NfxScaledRelu";
const BACKWARD = "NfxScaledReluGrad";

/** [rows, cols] the kernels see: the channels as columns with a bias, else the whole tensor as one row. */
function layout(shape: number[], hasBias: boolean): [number, number] {
  const size = shape.reduce((p, d) => p * d, 1);
  const cols = hasBias ? (shape[shape.length - 1] as number) : size;
  return [cols === 0 ? 0 : size / cols, cols];
}

function forwardKernel({ inputs, backend, attrs }: WasmKernelArgs): TensorInfo {
  const b = wasmHeap(backend);
  const z = inputs.z as TensorInfo;
  const bias = inputs.b as TensorInfo | undefined;
  const out = b.makeOutput(z.shape, "float32");
  const [rows, cols] = layout(z.shape, bias !== undefined);
  if (rows * cols === 0) return out;
  const biasAt = bias === undefined ? 0 : heapOffset(b, bias);
  simdKernelsOn(b).biasReluScale(
    heapOffset(b, z),
    biasAt,
    heapOffset(b, out),
    rows,
    cols,
    attrs?.scale as number,
    bias === undefined ? 0 : 1,
  );
  return out;
}

function backwardKernel({ inputs, backend, attrs }: WasmKernelArgs): TensorInfo[] {
  const b = wasmHeap(backend);
  const y = inputs.y as TensorInfo;
  const hasBias = attrs?.hasBias === true;
  const [rows, cols] = layout(y.shape, hasBias);
  const dz = b.makeOutput(y.shape, "float32");
  const db = hasBias ? b.makeOutput([cols], "float32") : null;
  simdKernelsOn(b).reluScaleGrad(
    heapOffset(b, y),
    heapOffset(b, inputs.dy as TensorInfo),
    heapOffset(b, dz),
    db === null ? 0 : heapOffset(b, db),
    rows,
    cols,
    attrs?.scale as number,
    hasBias ? 1 : 0,
  );
  return db === null ? [dz] : [dz, db];
}

export const scaledReluKernelConfigs: readonly tf.KernelConfig[] = [
  { kernelName: FORWARD, backendName: "wasm", kernelFunc: forwardKernel as unknown as tf.KernelFunc },
  { kernelName: BACKWARD, backendName: "wasm", kernelFunc: backwardKernel as unknown as tf.KernelFunc },
];

tf.registerGradient({
  kernelName: FORWARD,
  outputsToSave: [true],
  gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs?: tf.NamedAttrMap) => {
    const hasBias = attrs?.hasBias === true;
    const inputs = { y: saved[0] as tf.Tensor, dy: dy as tf.Tensor };
    const [dz, db] = tf.engine().runKernel(BACKWARD, inputs, { scale: attrs?.scale as number, hasBias }) as tf.Tensor[];
    const grads: Record<string, () => tf.Tensor> = { z: () => dz as tf.Tensor };
    if (hasBias) grads.b = () => db as tf.Tensor;
    return grads;
  },
});

/**
 * Whether the fused kernels compute s·relu(z + bias) here: float32 on the wasm backend with nfx's SIMD kernels,
 * a positive finite s, and groups of 4 (channels with a bias [C] matching z's last axis, else elements).
 */
export function scaledReluApplies(z: tf.Tensor, bias: tf.Tensor | null, scale: number): boolean {
  const size = bias === null ? z.size : (z.shape[z.rank - 1] as number);
  return (
    z.dtype === "float32" &&
    (bias === null || (bias.dtype === "float32" && bias.rank === 1 && bias.size === size)) &&
    size > 0 &&
    size % 4 === 0 &&
    scale > 0 &&
    Number.isFinite(scale) &&
    tf.getBackend() === "wasm" &&
    tf.getKernel(FORWARD, "wasm") !== undefined &&
    simdKernelsAvailable()
  );
}

/** y = scale·max(z + bias, 0) with bias [C] over z's last axis (or none), by the fused kernels (`scaledReluApplies`). */
export function scaledReluFused<T extends tf.Tensor>(z: T, bias: tf.Tensor1D | null, scale: number): T {
  const inputs: tf.NamedTensorMap = bias === null ? { z } : { z, b: bias };
  return tf.engine().runKernel(FORWARD, inputs, { scale, hasBias: bias !== null }) as T;
}
