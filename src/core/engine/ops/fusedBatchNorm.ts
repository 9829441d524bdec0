// Training-mode batch normalisation (the batch's own statistics) as one op with a hand-written gradient: where
// nfx's wasm SIMD kernels run, a registered kernel (statistics and normalisation in three passes over x) and a
// gradient kernel (two passes); elsewhere broadcasting tfjs ops under tf.customGrad. Composed from tf.moments and
// tf.batchNorm, tfjs's autodiff tiles mean and variance to the activation's shape and runs ≈ 20 elementwise ops
// over it in the backward pass: on wasm that was 180 of BN-ResNet-micro's 257 ms step.

import { tf } from "../tf.js";
import { simdKernelsAvailable } from "../wasm/simdKernels.js";
import { batchNormTrainBackward, batchNormTrainForward } from "../wasm/wasmBatchNorm.js";
import type { TensorInfo, WasmKernelArgs } from "../wasm/wasmKernelScope.js";

const FORWARD = "NfxBatchNormTrain";
const BACKWARD = "NfxBatchNormTrainGrad";

interface EpsAttrs {
  varianceEpsilon: number;
}

const epsOf = (attrs: tf.NamedAttrMap | undefined): number => (attrs as unknown as EpsAttrs).varianceEpsilon;

export const batchNormKernelConfigs: readonly tf.KernelConfig[] = [
  {
    kernelName: FORWARD,
    backendName: "wasm",
    kernelFunc: (({ inputs, backend, attrs }: WasmKernelArgs): TensorInfo[] => {
      const { x, scale, offset } = inputs as Record<string, TensorInfo>;
      return batchNormTrainForward(backend, x as TensorInfo, scale as TensorInfo, offset as TensorInfo, epsOf(attrs));
    }) as unknown as tf.KernelFunc,
  },
  {
    kernelName: BACKWARD,
    backendName: "wasm",
    kernelFunc: (({ inputs, backend, attrs }: WasmKernelArgs): TensorInfo[] => {
      const { dy, x, mean, variance, scale } = inputs as Record<string, TensorInfo>;
      const args = [dy, x, mean, variance, scale] as TensorInfo[];
      return batchNormTrainBackward(
        backend,
        ...(args as [TensorInfo, TensorInfo, TensorInfo, TensorInfo, TensorInfo]),
        epsOf(attrs),
      );
    }) as unknown as tf.KernelFunc,
  },
];

// The wasm kernel's gradient (gradients are looked up by kernel name, so this only ever runs after the wasm kernel).
tf.registerGradient({
  kernelName: FORWARD,
  inputsToSave: ["x", "scale"],
  outputsToSave: [false, true, true],
  gradFunc: (dys: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs?: tf.NamedAttrMap) => {
    const dy = (dys as tf.Tensor[])[0] as tf.Tensor;
    const [x, scale, mean, variance] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
    const attr = { varianceEpsilon: epsOf(attrs) };
    const [dx, dScale, dOffset] = tf
      .engine()
      .runKernel(BACKWARD, { dy, x, mean, variance, scale }, attr as unknown as tf.NamedAttrMap) as tf.Tensor[];
    return { x: () => dx as tf.Tensor, scale: () => dScale as tf.Tensor, offset: () => dOffset as tf.Tensor };
  },
});

/** y, and the batch statistics it used (the caller moves its running averages with them; no gradient flows there). */
export interface BatchNormTrainResult<R extends tf.Rank> {
  y: tf.Tensor<R>;
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
}

const fused = (...ts: tf.Tensor[]): boolean =>
  ts.every((t) => t.dtype === "float32") &&
  tf.getBackend() === "wasm" &&
  tf.getKernel(FORWARD, "wasm") !== undefined &&
  simdKernelsAvailable();

/**
 * Batch normalisation with the batch's statistics, channels last: x [..., C], scale and offset [C];
 * mean and biased variance over every axis but the last, y = (x − mean)·scale/√(variance + eps) + offset,
 * the values and gradients (w.r.t. x, scale, offset) of tf.batchNorm(x, tf.moments(x, axes)…) (Ioffe & Szegedy 2015).
 * Throws if scale or offset does not hold one value per channel.
 */
export function batchNormTraining<R extends tf.Rank>(
  x: tf.Tensor<R>,
  scale: tf.Tensor1D,
  offset: tf.Tensor1D,
  eps: number,
): BatchNormTrainResult<R> {
  const c = x.shape[x.rank - 1] ?? 1;
  if (scale.size !== c || offset.size !== c) {
    throw new Error(`batchNormTraining: scale [${scale.shape}] and offset [${offset.shape}] must hold ${c} channels`);
  }
  if (fused(x, scale, offset)) {
    const attrs = { varianceEpsilon: eps } as unknown as tf.NamedAttrMap;
    const [y, mean, variance] = tf.engine().runKernel(FORWARD, { x, scale, offset }, attrs) as tf.Tensor[];
    return { y: y as tf.Tensor<R>, mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D };
  }
  const axes = x.shape.map((_, i) => i).slice(0, -1);
  const { mean, variance } = tf.moments(x, axes);
  const y = composedOp(mean as tf.Tensor1D, variance as tf.Tensor1D, axes, eps)(x, scale, offset) as tf.Tensor<R>;
  return { y, mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D };
}

/**
 * The op on other backends: broadcasting tfjs ops under a custom gradient (tfjs's own gradients of these would
 * tile the per-channel tensors). The statistics enter by closure, so the tape holds no path back through them.
 */
function composedOp(mean: tf.Tensor1D, variance: tf.Tensor1D, axes: number[], eps: number) {
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, scale, offset, save] = args as [tf.Tensor, tf.Tensor1D, tf.Tensor1D, tf.GradSaveFunc];
    save([x, scale, mean, variance]);
    const value = tf.tidy(() =>
      tf.add(tf.mul(tf.sub(x, mean), tf.mul(scale, tf.rsqrt(tf.add(variance, eps)))), offset),
    );
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] =>
      tf.tidy(() => {
        const [xs, s, m, v] = saved as [tf.Tensor, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
        const rstd = tf.rsqrt(tf.add(v, eps));
        const xHat = tf.mul(tf.sub(xs, m), rstd);
        const dOffset = tf.sum(dy, axes);
        const dScale = tf.sum(tf.mul(dy, xHat), axes);
        const rows = xs.size / (xs.shape[xs.shape.length - 1] ?? 1);
        // dx = scale·rstd·(dy − mean(dy) − x̂·mean(dy·x̂)), the per-channel means as sums / rows.
        const centred = tf.sub(tf.sub(dy, tf.div(dOffset, rows)), tf.mul(xHat, tf.div(dScale, rows)));
        return [tf.mul(centred, tf.mul(s, rstd)), dScale, dOffset];
      });
    return { value, gradFunc };
  });
}
