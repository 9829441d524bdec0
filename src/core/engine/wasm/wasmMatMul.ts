// Wraps wasm's BatchMatMul (and _FusedMatMul) so that a transposed operand is transposed explicitly first. In tfjs
// 4.22 the wasm kernel runs XNNPACK only for a·b; with transposeA or transposeB it falls back to a scalar loop that
// is 10–20× slower. Measured (2-core EPYC, SIMD, 1 thread): xᵀ·dy for [128,1536]ᵀ·[128,768] 338 ms with transposeA
// vs 16 ms as transpose + a·b; dy·Wᵀ for [2048,1536]·[768,1536]ᵀ 2.8 s vs 0.21 s. Every dense layer's backward
// pass (dx = dy·Wᵀ, dW = xᵀ·dy) and the 1×1 conv filter gradient go through these flags.
// Single products a·b with N % 8 = 0 run on nfx's SIMD conv kernel as a 1×1 conv (M pixels, K channels, N
// filters): XNNPACK packs b into its own layout on every call with a new b — every training step — and that
// packing dominated: [4,768]·[768,1536] took 8.4 ms as transpose + XNNPACK, of which the product 0.4 ms; nfx's
// kernel packs in wasm and runs at 30–35 GFLOP/s ([144,768]·[768,1536]: 11.5 ms vs 13.9 ms even with XNNPACK's
// packing cached).
// Also: wasm's _FusedMatMul is wrong with more than one batch matrix (rows after the first get the bias and
// activation of the wrong elements), so a batched fused product is computed unfused here.

import { tf } from "../tf.js";
import { conv2dFits, conv2dForward } from "./simdKernels.js";
import { type TensorInfo, type WasmKernelArgs, type WasmKernelScope, withScope } from "./wasmKernelScope.js";

/** Swaps the last two axes. */
function lastTwoSwapped(rank: number): number[] {
  const perm = [...Array(rank).keys()];
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return perm;
}

const batchCount = (t: TensorInfo): number => t.shape.slice(0, -2).reduce((p, d) => p * d, 1);

/** Applies a fused matmul's bias and activation with wasm's own elementwise kernels. */
function biasAndActivation(s: WasmKernelScope, y: TensorInfo, args: WasmKernelArgs): TensorInfo {
  const { bias, preluActivationWeights: alpha } = args.inputs as {
    bias?: TensorInfo;
    preluActivationWeights?: TensorInfo;
  };
  const activation = (args.attrs?.activation as string | undefined) ?? "linear";
  const z = bias ? s.run("Add", { a: y, b: bias }) : y;
  switch (activation) {
    case "linear":
      return z;
    case "relu":
      return s.run("Relu", { x: z });
    case "relu6":
      return s.run("Relu6", { x: z });
    case "elu":
      return s.run("Elu", { x: z });
    case "sigmoid":
      return s.run("Sigmoid", { x: z });
    case "leakyrelu":
      return s.run("LeakyRelu", { x: z }, { alpha: (args.attrs?.leakyreluAlpha as number | undefined) ?? 0.2 });
    case "prelu":
      if (!alpha) throw new Error("nfx wasm _FusedMatMul: prelu without its weights");
      return s.run("Prelu", { x: z, alpha });
    default:
      throw new Error(`nfx wasm _FusedMatMul: unknown activation '${activation}'`);
  }
}

/** a·b for single matrices ([1,M,K]·[1,K,N], float32, N % 8 = 0) on nfx's conv kernel; null where it does not apply. */
function simdProduct(s: WasmKernelScope, a: TensorInfo, b: TensorInfo): TensorInfo | null {
  if (a.dtype !== "float32" || b.dtype !== "float32" || a.shape.length !== b.shape.length) return null;
  if (batchCount(a) !== 1 || batchCount(b) !== 1) return null;
  const [m, k] = a.shape.slice(-2) as [number, number];
  const n = b.shape[b.shape.length - 1] as number;
  // With a short reduction (K < 16) the kernel's per-tile overhead dominates: xᵀ·dy for a batch of 4 images
  // ([768,4]·[4,1536]) took 1.9 ms vs XNNPACK's 0.5 ms.
  if (!conv2dFits(k, n) || m === 0 || k < 16) return null;
  const y = s.adopt(conv2dForward(s.backend, s.reshape(a, [1, 1, m, k]), s.reshape(b, [1, 1, k, n]), 1, 1, 1, m));
  return s.reshape(y, [...a.shape.slice(0, -2), m, n]);
}

function untransposed(original: tf.KernelConfig): tf.KernelConfig {
  const inner = original.kernelFunc as unknown as (args: WasmKernelArgs) => TensorInfo;
  const fused = original.kernelName === "_FusedMatMul";
  const kernelFunc = (args: WasmKernelArgs): TensorInfo => {
    const attrs = args.attrs ?? {};
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const batched = fused && Math.max(batchCount(a), batchCount(b)) > 1;
    return withScope(args.backend, (s) => {
      const a2 = attrs.transposeA ? s.transpose(a, lastTwoSwapped(a.shape.length)) : a;
      const b2 = attrs.transposeB ? s.transpose(b, lastTwoSwapped(b.shape.length)) : b;
      const product = simdProduct(s, a2, b2);
      if (product !== null) return fused ? biasAndActivation(s, product, args) : product;
      if (!attrs.transposeA && !attrs.transposeB && !batched) return s.adopt(inner(args));
      if (batched) {
        const y = s.run("BatchMatMul", { a: a2, b: b2 }, { transposeA: false, transposeB: false });
        return biasAndActivation(s, y, args);
      }
      const out = inner({
        backend: args.backend,
        inputs: { ...args.inputs, a: a2, b: b2 },
        attrs: { ...attrs, transposeA: false, transposeB: false },
      });
      return s.adopt(out);
    });
  };
  return { ...original, kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}

/** wasm's own matmul kernels, wrapped to never take their slow transposed path; to register in their place. */
export function untransposedWasmMatMuls(): tf.KernelConfig[] {
  const out: tf.KernelConfig[] = [];
  for (const name of ["BatchMatMul", "_FusedMatMul"]) {
    const original = tf.getKernel(name, "wasm");
    if (original !== undefined) out.push(untransposed(original));
  }
  return out;
}
