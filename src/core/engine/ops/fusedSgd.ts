// SGD with momentum (Nesterov or heavy-ball) and L2 weight decay over a whole list of variables in one kernel call
// where nfx's wasm SIMD kernels run: one pass per parameter reads w, g, v and writes w', v'. Composed from tfjs ops
// the update is 6–8 kernels per parameter (≈ 300 on nf-resnet-micro). The same float32 operations in the same
// order as the composed ops (optim/sgd.ts), so the results are the same bits.
import { tf } from "../tf.js";
import { paramKernels, simdKernelsAvailable } from "../wasm/simdKernels.js";
import { heapOffset, wasmHeap } from "../wasm/wasmHeap.js";
import { type TensorInfo, type WasmKernelArgs, wasmKernel } from "../wasm/wasmKernelScope.js";

const KERNEL = "NfxSgdUpdate";

/** Momentum μ, learning rate, Nesterov's form, and the weight decay of each variable (0: none). */
export interface FusedSgdSettings {
  momentum: number;
  lr: number;
  nesterov: boolean;
  decay: readonly number[];
}

/** The kernel: inputs w0, g0, v0, w1, …; outputs w0', v0', w1', v1', … (new buffers). */
function sgdKernel({ inputs, backend, attrs }: WasmKernelArgs): TensorInfo[] {
  const a = attrs as unknown as FusedSgdSettings;
  const b = wasmHeap(backend);
  const k = paramKernels(backend);
  const outs: TensorInfo[] = [];
  a.decay.forEach((wd, p) => {
    const [w, g, v] = ["w", "g", "v"].map((name) => inputs[`${name}${p}`] as TensorInfo) as [
      TensorInfo,
      TensorInfo,
      TensorInfo,
    ];
    const wOut = b.makeOutput(w.shape, "float32");
    const vOut = b.makeOutput(w.shape, "float32");
    outs.push(wOut, vOut);
    const n = w.shape.reduce((s, d) => s * d, 1);
    if (n === 0) return;
    const at = [w, g, v, wOut, vOut].map((t) => heapOffset(b, t)) as [number, number, number, number, number];
    k.sgdUpdate(...at, n, wd, a.momentum, a.lr, a.nesterov ? 1 : 0);
  });
  return outs;
}

export const sgdKernelConfigs: readonly tf.KernelConfig[] = [
  wasmKernel(KERNEL, sgdKernel as unknown as (args: WasmKernelArgs) => TensorInfo),
];

/** Whether fusedSgdUpdate runs for these tensors: all float32, on wasm with nfx's kernels registered. */
export const fusedSgdAvailable = (ts: readonly tf.Tensor[]): boolean =>
  tf.getBackend() === "wasm" &&
  tf.getKernel(KERNEL, "wasm") !== undefined &&
  simdKernelsAvailable() &&
  ts.every((t) => t.dtype === "float32");

/**
 * One SGD step for every variable in one kernel call, as tfjs ops would compute it in float32:
 * d = g + w·wd (wd = settings.decay[p]; none when 0), v' = v·μ + d, w' = w − lr·(d + v'·μ) (Nesterov) or
 * w − lr·v'. Returns [w', v'] per variable: new tensors (same shapes) the caller owns, e.g. to assign.
 * Call only where fusedSgdAvailable says so.
 * @throws Error when the lists' lengths or a variable's shapes differ.
 */
export function fusedSgdUpdate(
  w: readonly tf.Tensor[],
  g: readonly tf.Tensor[],
  v: readonly tf.Tensor[],
  settings: FusedSgdSettings,
): [tf.Tensor, tf.Tensor][] {
  if (g.length !== w.length || v.length !== w.length || settings.decay.length !== w.length) {
    throw new Error(`fusedSgdUpdate: ${w.length} variables, ${g.length} gradients, ${v.length} buffers`);
  }
  const inputs: tf.NamedTensorMap = {};
  w.forEach((wp, p) => {
    const [gp, vp] = [g[p] as tf.Tensor, v[p] as tf.Tensor];
    if (!tf.util.arraysEqual(wp.shape, gp.shape) || !tf.util.arraysEqual(wp.shape, vp.shape)) {
      throw new Error(`fusedSgdUpdate: variable ${p}: shapes [${wp.shape}], [${gp.shape}], [${vp.shape}] differ`);
    }
    Object.assign(inputs, { [`w${p}`]: wp, [`g${p}`]: gp, [`v${p}`]: vp });
  });
  const attrs = { ...settings, decay: [...settings.decay] };
  const outs = tf.engine().runKernel(KERNEL, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
  return w.map((_, p) => [outs[2 * p] as tf.Tensor, outs[2 * p + 1] as tf.Tensor]);
}
