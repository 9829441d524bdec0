// Sum and Mean on the wasm backend, for the reductions over leading axes that training is full of: weight
// standardization's per-output-channel mean and variance over [kh,kw,Cin], bias and gain gradients over [N,H,W].
// tfjs's wasm kernels move the reduced axes last with a scalar-loop transpose first; nfx's columnSum reads the
// input once (simdKernels.wat). Measured (2-core EPYC): Mean over the first three axes of [1,1,1536,768] 5.6 ms in
// tfjs; NFNet-F0 at 96 px spent 0.86 s of a 4.7 s step in such Means. Other reductions go to tfjs's kernels.

import { tf } from "../tf.js";
import { columnSum, simdKernelsAvailable } from "./simdKernels.js";
import type { TensorInfo, WasmKernelArgs } from "./wasmKernelScope.js";

/** rows × cols when `axes` are exactly the leading axes 0..k−1 of `shape` (0 < k < rank), else null. */
function leadingSplit(shape: number[], axes: number | number[]): { rows: number; cols: number; k: number } | null {
  const rank = shape.length;
  const list = (Array.isArray(axes) ? axes : [axes]).map((a) => (a < 0 ? a + rank : a)).sort((a, b) => a - b);
  const k = list.length;
  if (k === 0 || k >= rank || list.some((a, i) => a !== i)) return null;
  const rows = shape.slice(0, k).reduce((p, d) => p * d, 1);
  const cols = shape.slice(k).reduce((p, d) => p * d, 1);
  return { rows, cols, k };
}

function leadingReduction(original: tf.KernelConfig, mean: boolean): tf.KernelConfig {
  const inner = original.kernelFunc as unknown as (args: WasmKernelArgs) => TensorInfo;
  const kernelFunc = (args: WasmKernelArgs): TensorInfo => {
    const { x } = args.inputs as { x: TensorInfo };
    const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
    const split = x.dtype === "float32" && simdKernelsAvailable() ? leadingSplit(x.shape, axis) : null;
    if (split === null) return inner(args);
    const { rows, cols, k } = split;
    const outShape = keepDims ? x.shape.map((d, i) => (i < k ? 1 : d)) : x.shape.slice(k);
    return columnSum(args.backend, x, rows, cols, mean ? 1 / rows : 1, outShape);
  };
  return { ...original, kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}

/** Sum and Mean wrapping wasm's own (registered in their place; the wrappers keep their setup). */
export function leadingAxisReductions(): tf.KernelConfig[] {
  const out: tf.KernelConfig[] = [];
  for (const [name, mean] of [
    ["Sum", false],
    ["Mean", true],
  ] as const) {
    const original = tf.getKernel(name, "wasm");
    if (original !== undefined) out.push(leadingReduction(original, mean));
  }
  return out;
}
