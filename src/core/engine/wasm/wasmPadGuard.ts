// Guards wasm's forward Conv2D and DepthwiseConv2dNative against two tfjs 4.22 padding bugs:
//  - With a numeric `pad`, tfjs computes the output *width* from the kernel *height* and the *height* stride
//    (computeOutputShape2D takes one field size and one stride), so for kh≠kw or unequal strides the output
//    buffer it allocates is smaller or larger than what XNNPACK writes — on wasm that silently corrupts the heap
//    and crashes later in an unrelated free(). We refuse those cases with a clear error.
//  - With pad "same", tfjs hands XNNPACK its TensorFlow-SAME flag, and XNNPACK then returns all zeros when a
//    kernel side is 1 and its stride > 1 while the other side is not (a 1×3 filter at strides 2×1 or 2×2, a 3×1
//    at 1×2; measured against the cpu backend). The same padding given explicitly is right, so "same" is always
//    passed on as the explicit padding tfjs itself computes for it.
import { tf } from "../tf.js";
import type { TensorInfo, WasmKernelArgs } from "./wasmKernelScope.js";

type Shape4 = [number, number, number, number];

/** "same" as the explicit [[0,0],[top,bottom],[left,right],[0,0]] tfjs computes for it. */
function explicitSame(args: WasmKernelArgs, depthwise: boolean): WasmKernelArgs {
  const { x, filter } = args.inputs as { x?: TensorInfo; filter?: TensorInfo };
  const attrs = args.attrs as { strides: number | [number, number]; dilations?: number | [number, number] };
  if (x === undefined || filter === undefined) return args;
  const { padInfo } = tf.backend_util.computeConv2DInfo(
    x.shape as Shape4,
    filter.shape as Shape4,
    attrs.strides,
    attrs.dilations ?? 1,
    "same",
    undefined,
    depthwise,
  );
  const pad = [
    [0, 0],
    [padInfo.top, padInfo.bottom],
    [padInfo.left, padInfo.right],
    [0, 0],
  ];
  return { ...args, attrs: { ...args.attrs, pad } };
}

function guarded(original: tf.KernelConfig): tf.KernelConfig {
  const inner = original.kernelFunc as unknown as (args: WasmKernelArgs) => TensorInfo;
  const depthwise = original.kernelName === "DepthwiseConv2dNative";
  const kernelFunc = (args: WasmKernelArgs): TensorInfo => {
    const pad = args.attrs?.pad;
    const filter = args.inputs.filter;
    const strides = args.attrs?.strides;
    const [sh, sw] = typeof strides === "number" ? [strides, strides] : ((strides as number[] | undefined) ?? [1, 1]);
    if (typeof pad === "number" && filter !== undefined && (filter.shape[0] !== filter.shape[1] || sh !== sw)) {
      const what =
        filter.shape[0] !== filter.shape[1]
          ? `a non-square ${filter.shape[0]}×${filter.shape[1]} kernel`
          : `unequal strides ${sh}×${sw}`;
      throw new Error(
        `nfx: ${original.kernelName} with a numeric pad and ${what} ` +
          "has a wrong output shape in tfjs 4.22 (and corrupts wasm memory); use 'same', 'valid' or explicit padding",
      );
    }
    return inner(pad === "same" ? explicitSame(args, depthwise) : args);
  };
  return { ...original, kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}

/**
 * The guarded versions of wasm's own forward convolutions, to register in their place; `inner` may first replace
 * a kernel (the guard then runs before it).
 */
export function padGuardedWasmConvs(inner: (config: tf.KernelConfig) => tf.KernelConfig = (c) => c): tf.KernelConfig[] {
  const out: tf.KernelConfig[] = [];
  for (const name of ["Conv2D", "DepthwiseConv2dNative"]) {
    const original = tf.getKernel(name, "wasm");
    if (original !== undefined) out.push(guarded(inner(original)));
  }
  return out;
}
