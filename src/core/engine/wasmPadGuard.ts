// Guards wasm's forward Conv2D and DepthwiseConv2dNative against a tfjs 4.22 shape bug. With a numeric `pad`,
// tfjs computes the output *width* from the kernel *height* and the *height* stride (computeOutputShape2D takes
// one field size and one stride), so for kh≠kw or unequal strides the output buffer it allocates is smaller or
// larger than what XNNPACK writes — on wasm that silently corrupts the heap and crashes later in an unrelated
// free(). We refuse those cases with a clear error; "same", "valid", explicit paddings and square kernels with
// equal strides are unaffected.
import { tf } from "./tf.js";
import type { TensorInfo, WasmKernelArgs } from "./wasmKernelScope.js";

function guarded(original: tf.KernelConfig): tf.KernelConfig {
  const inner = original.kernelFunc as unknown as (args: WasmKernelArgs) => TensorInfo;
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
    return inner(args);
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
