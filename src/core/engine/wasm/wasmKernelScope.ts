// Calls the wasm backend's own kernels from inside another kernel. Going through tf ops there would register
// every intermediate with the engine (and the tape); calling kernelFuncs directly keeps intermediates as bare
// backend data that we free ourselves, so a composed kernel costs exactly the wasm kernels it runs.

import { tf } from "../tf.js";
import { padNHWC, transposeLastTwo } from "./simdKernels.js";
import { wasmHeap } from "./wasmHeap.js";

export type TensorInfo = tf.TensorInfo;

export class WasmKernelScope {
  private readonly temps: TensorInfo[] = [];

  constructor(readonly backend: tf.KernelBackend) {}

  /** Runs the wasm kernel `name`; its output is freed by dispose() unless handed to keep(). */
  run(name: string, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap = {}): TensorInfo {
    const kernel = tf.getKernel(name, "wasm");
    if (kernel === undefined) throw new Error(`nfx wasm gradients: wasm kernel '${name}' is not registered`);
    const out = kernel.kernelFunc({ inputs, backend: this.backend, attrs });
    const info = Array.isArray(out) ? out[0] : out;
    if (info === undefined) throw new Error(`nfx wasm gradients: wasm kernel '${name}' returned no output`);
    this.temps.push(info);
    return info;
  }

  /** Registers an output computed outside run() (e.g. by a wrapped kernel) so that it is freed like the others. */
  adopt(out: TensorInfo): TensorInfo {
    this.temps.push(out);
    return out;
  }

  reshape(x: TensorInfo, shape: number[]): TensorInfo {
    return this.run("Reshape", { x }, { shape });
  }

  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    const n = perm.length;
    const lastTwoSwapped = n >= 2 && perm.every((p, i) => p === (i < n - 2 ? i : i === n - 2 ? n - 1 : n - 2));
    const fast = lastTwoSwapped ? transposeLastTwo(this.backend, x) : null;
    return fast === null ? this.run("Transpose", { x }, { perm }) : this.adopt(fast);
  }

  slice(x: TensorInfo, begin: number[], size: number[]): TensorInfo {
    const whole = begin.every((b, i) => b === 0 && size[i] === x.shape[i]);
    return whole ? x : this.run("Slice", { x }, { begin, size });
  }

  /** x[begin : end : strides] with positive strides and no masks (the whole tensor is returned as it is). */
  stridedSlice(x: TensorInfo, begin: number[], end: number[], strides: number[]): TensorInfo {
    const whole = begin.every((b, i) => b === 0 && end[i] === x.shape[i] && strides[i] === 1);
    if (whole) return x;
    const noMasks = { beginMask: 0, endMask: 0, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0 };
    return this.run("StridedSlice", { x }, { begin, end, strides, ...noMasks });
  }

  /** Concatenation along `axis` (one tensor is returned as it is). */
  concat(tensors: TensorInfo[], axis: number): TensorInfo {
    if (tensors.length === 1) return tensors[0] as TensorInfo;
    // tfjs passes Concat's inputs as an array where other kernels take a name → tensor map.
    return this.run("Concat", tensors as unknown as tf.NamedTensorInfoMap, { axis });
  }

  pad(x: TensorInfo, paddings: [number, number][]): TensorInfo {
    if (paddings.every(([a, b]) => a === 0 && b === 0)) return x;
    return this.run("PadV2", { x }, { paddings, constantValue: 0 });
  }

  /** x [N,H,W,C] zero-padded spatially (and to cOut channels), by nfx's wasm row copies (tfjs's PadV2 loops). */
  zeroPadNHWC(x: TensorInfo, top: number, bottom: number, left: number, right: number, cOut?: number): TensorInfo {
    const out = padNHWC(this.backend, x, top, bottom, left, right, cOut);
    return out === x ? x : this.adopt(out);
  }

  /** Takes `out` out of the scope: the caller (the engine) owns it from now on. */
  keep(out: TensorInfo): TensorInfo {
    const i = this.temps.lastIndexOf(out);
    if (i >= 0) this.temps.splice(i, 1);
    else {
      // An input passed through unchanged: the engine will own a second reference to the same data.
      this.backend.incRef(out.dataId);
    }
    return out;
  }

  /** Frees every intermediate. Reshape shares data with a reference count, so each output is released once. */
  dispose(): void {
    for (const t of this.temps) this.backend.disposeData(t.dataId);
    this.temps.length = 0;
  }
}

/** Runs `body` with a scope and frees its intermediates whatever happens. */
export function withScope(backend: tf.KernelBackend, body: (s: WasmKernelScope) => TensorInfo): TensorInfo {
  const scope = new WasmKernelScope(backend);
  try {
    return scope.keep(body(scope));
  } finally {
    scope.dispose();
  }
}

/** What tfjs passes a kernelFunc, with the backend typed (tfjs types it as `{}`). */
export interface WasmKernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: tf.KernelBackend;
  attrs?: tf.NamedAttrMap;
}

/** A new tensor on the wasm heap holding `values` (copied). */
export function wasmOutput(backend: tf.KernelBackend, shape: number[], values: Float32Array): TensorInfo {
  return wasmHeap(backend).makeOutput(shape, "float32", undefined, values);
}

/** A wasm KernelConfig from a function over typed arguments. */
export function wasmKernel(kernelName: string, fn: (args: WasmKernelArgs) => TensorInfo): tf.KernelConfig {
  return { kernelName, backendName: "wasm", kernelFunc: fn as unknown as tf.KernelFunc };
}
