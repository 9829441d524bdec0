// The optimizer updates over a whole list of variables in one kernel call each, where nfx's wasm SIMD kernels run:
// SGD with momentum (Nesterov or heavy-ball) and L2 decay, LARS, and Adam with L2 or decoupled (AdamW) decay. One pass
// per parameter reads w, g and the slots and writes new ones. Composed from tfjs ops an update is 6–12 kernels
// per parameter (≈ 300 per SGD step on nf-resnet-micro). Each kernel does the composed ops' float32 operations in
// their order (optim/sgd.ts, optim/adam.ts, optim/lars.ts), so the results are the same bits (LARS's norms aside:
// their sums run in another order).
import { tf } from "../tf.js";
import { type ParamKernels, paramKernels, simdKernelsAvailable } from "../wasm/simdKernels.js";
import { heapF32, heapOffset, type WasmHeapBackend, wasmHeap } from "../wasm/wasmHeap.js";
import { type TensorInfo, type WasmKernelArgs, wasmKernel } from "../wasm/wasmKernelScope.js";

const SGD = "NfxSgdUpdate";
const ADAM = "NfxAdamUpdate";
const LARS = "NfxLarsUpdate";

/** Momentum μ, learning rate, Nesterov's form, and the weight decay of each variable (0: none). */
export interface FusedSgdSettings {
  momentum: number;
  lr: number;
  nesterov: boolean;
  decay: readonly number[];
}

/**
 * Adam's scalars for one step: β1, β2, ε, √(1 − β2^t), the step size lr/(1 − β1^t), and per variable the L2
 * decay added to the gradient (0: none) and the factor its weight is multiplied by first (1 − lr·wd for AdamW's
 * decoupled decay, else 1).
 */
export interface FusedAdamSettings {
  beta1: number;
  beta2: number;
  eps: number;
  bc2Sqrt: number;
  stepSize: number;
  decay: readonly number[];
  keep: readonly number[];
}

/** Inputs named `${slot}${p}` for slot in `slots`, as heap offsets, per variable p; the outputs alike. */
function slotOffsets(
  backend: tf.KernelBackend,
  inputs: tf.NamedTensorMap | tf.NamedTensorInfoMap,
  slots: readonly string[],
  p: number,
  outs: TensorInfo[],
): { at: number[]; n: number } {
  const b = wasmHeap(backend);
  const ins = slots.map((s) => inputs[`${s}${p}`] as TensorInfo);
  const shape = (ins[0] as TensorInfo).shape;
  const made = slots.slice(0, slots.length - 1).map(() => b.makeOutput(shape, "float32"));
  outs.push(...made);
  const n = shape.reduce((s, d) => s * d, 1);
  return { at: n === 0 ? [] : [...ins, ...made].map((t) => heapOffset(b, t)), n };
}

/** The SGD kernel: inputs w0, g0, v0, w1, …; outputs w0', v0', w1', v1', … (new buffers). */
function sgdKernel({ inputs, backend, attrs }: WasmKernelArgs): TensorInfo[] {
  const a = attrs as unknown as FusedSgdSettings;
  const k = paramKernels(backend);
  const outs: TensorInfo[] = [];
  a.decay.forEach((wd, p) => {
    const { at, n } = slotOffsets(backend, inputs, ["w", "g", "v"], p, outs);
    const [w, g, v, wOut, vOut] = at as [number, number, number, number, number];
    if (n > 0) k.sgdUpdate(w, g, v, wOut, vOut, n, wd, a.momentum, a.lr, a.nesterov ? 1 : 0);
  });
  return outs;
}

/**
 * LARS's settings for one step: μ, the learning rate, trust η and weight decay, and per variable whether it is
 * adapted (trust ratio and decay) or not (a gain, bias or skip gain: plain momentum at lr).
 */
export interface FusedLarsSettings {
  momentum: number;
  lr: number;
  trust: number;
  weightDecay: number;
  adapt: readonly boolean[];
}

/** ‖x‖ = sqrt(Σ x²) of n floats at heap offset `x`, in float32 (4 partial sums where 4 divides n); scratch: 8 floats. */
function euclideanNorm(k: ParamKernels, b: WasmHeapBackend, x: number, n: number, scratch: number): number {
  const [r, c] = n % 4 === 0 ? [n / 4, 4] : [n, 1];
  heapF32(b).fill(1, scratch / 4, scratch / 4 + 4);
  k.agcColumnSumSq(x, r, c, scratch, scratch + 16);
  const ss = heapF32(b)
    .subarray(scratch / 4 + 4, scratch / 4 + 4 + c)
    .reduce((s, v) => Math.fround(s + v), 0);
  return Math.fround(Math.sqrt(ss));
}

/** The rate of an adapted weight, as lars.ts's scalar ops round it: lr·η‖w‖/(‖g‖ + wd‖w‖), or lr when a norm is 0. */
function trustRate(wNorm: number, gNorm: number, a: FusedLarsSettings): number {
  const f = Math.fround;
  const ratio = f(f(wNorm * f(a.trust)) / f(gNorm + f(wNorm * f(a.weightDecay))));
  return f((wNorm > 0 && gNorm > 0 ? ratio : 1) * f(a.lr));
}

/** The LARS kernel: inputs w0, g0, v0, w1, …; outputs w0', v0', w1', v1', … (new buffers). */
function larsKernel({ inputs, backend, attrs }: WasmKernelArgs): TensorInfo[] {
  const a = attrs as unknown as FusedLarsSettings;
  const b = wasmHeap(backend);
  const k = paramKernels(backend);
  const outs: TensorInfo[] = [];
  const scratch = b.makeOutput([8], "float32");
  try {
    a.adapt.forEach((adapt, p) => {
      const { at, n } = slotOffsets(backend, inputs, ["w", "g", "v"], p, outs);
      if (n === 0) return;
      const [w, g, v, wOut, vOut] = at as [number, number, number, number, number];
      const s = heapOffset(b, scratch);
      const rate = adapt ? trustRate(euclideanNorm(k, b, w, n, s), euclideanNorm(k, b, g, n, s), a) : a.lr;
      k.larsUpdate(w, g, v, wOut, vOut, n, adapt ? a.weightDecay : 0, a.momentum, rate);
    });
  } finally {
    b.disposeData(scratch.dataId);
  }
  return outs;
}

/** The Adam kernel: inputs w0, g0, m0, v0, w1, …; outputs w0', m0', v0', w1', … (new buffers). */
function adamKernel({ inputs, backend, attrs }: WasmKernelArgs): TensorInfo[] {
  const a = attrs as unknown as FusedAdamSettings;
  const b = wasmHeap(backend);
  const k = paramKernels(backend);
  const outs: TensorInfo[] = [];
  const stage = b.makeOutput([28], "float32");
  try {
    a.decay.forEach((wd, p) => {
      const { at, n } = slotOffsets(backend, inputs, ["w", "g", "m", "v"], p, outs);
      if (n === 0) return;
      const [w, g, m, v, wOut, mOut, vOut] = at as [number, number, number, number, number, number, number];
      const [c1, c2] = [1 - a.beta1, 1 - a.beta2];
      const scalars = [wd, a.keep[p] as number, a.beta1, c1, a.beta2, c2, a.bc2Sqrt, a.eps, a.stepSize] as const;
      k.adamUpdate(w, g, m, v, wOut, mOut, vOut, n, heapOffset(b, stage), ...scalars);
    });
  } finally {
    b.disposeData(stage.dataId);
  }
  return outs;
}

export const optimKernelConfigs: readonly tf.KernelConfig[] = [
  wasmKernel(SGD, sgdKernel as unknown as (args: WasmKernelArgs) => TensorInfo),
  wasmKernel(ADAM, adamKernel as unknown as (args: WasmKernelArgs) => TensorInfo),
  wasmKernel(LARS, larsKernel as unknown as (args: WasmKernelArgs) => TensorInfo),
];

const available = (kernel: string, ts: readonly tf.Tensor[]): boolean =>
  tf.getBackend() === "wasm" &&
  tf.getKernel(kernel, "wasm") !== undefined &&
  simdKernelsAvailable() &&
  ts.every((t) => t.dtype === "float32");

/** Whether fusedSgdUpdate runs for these tensors: all float32, on wasm with nfx's kernels registered. */
export const fusedSgdAvailable = (ts: readonly tf.Tensor[]): boolean => available(SGD, ts);

/** Whether fusedAdamUpdate runs for these tensors: all float32, on wasm with nfx's kernels registered. */
export const fusedAdamAvailable = (ts: readonly tf.Tensor[]): boolean => available(ADAM, ts);

/** Whether fusedLarsUpdate runs for these tensors: all float32, on wasm with nfx's kernels registered. */
export const fusedLarsAvailable = (ts: readonly tf.Tensor[]): boolean => available(LARS, ts);

/** Runs `kernel` on lists of same-shaped tensors (variables first) and returns its outputs grouped per variable. */
function runPerVariable(
  kernel: string,
  who: string,
  lists: Record<string, readonly tf.Tensor[]>,
  attrs: object,
): tf.Tensor[][] {
  const names = Object.keys(lists);
  const vars = lists[names[0] as string] as readonly tf.Tensor[];
  const inputs: tf.NamedTensorMap = {};
  vars.forEach((w, p) => {
    for (const name of names) {
      const t = (lists[name] as readonly tf.Tensor[])[p];
      if (t === undefined || !tf.util.arraysEqual(t.shape, w.shape)) {
        throw new Error(`${who}: variable ${p}: ${name} is missing or not of shape [${w.shape}]`);
      }
      inputs[`${name}${p}`] = t;
    }
  });
  const outs = tf.engine().runKernel(kernel, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
  const per = names.length - 1;
  return vars.map((_, p) => outs.slice(per * p, per * (p + 1)));
}

/**
 * One SGD step for every variable in one kernel call, as tfjs ops compute it in float32:
 * d = g + w·wd (wd = settings.decay[p]; none when 0), v' = v·μ + d, w' = w − (d + v'·μ)·lr (Nesterov) or
 * w − v'·lr. Returns [w', v'] per variable: new tensors (same shapes) the caller owns, e.g. to assign.
 * Call only where fusedSgdAvailable says so.
 * @throws Error when a gradient or buffer is missing or differs in shape from its variable.
 */
export function fusedSgdUpdate(
  w: readonly tf.Tensor[],
  g: readonly tf.Tensor[],
  v: readonly tf.Tensor[],
  settings: FusedSgdSettings,
): [tf.Tensor, tf.Tensor][] {
  const attrs = { ...settings, decay: [...settings.decay] };
  return runPerVariable(SGD, "fusedSgdUpdate", { w, g, v }, attrs) as [tf.Tensor, tf.Tensor][];
}

/**
 * One LARS step for every variable in one kernel call, as tfjs ops compute it in float32 (the norms' sums in
 * another order): for an adapted weight rate = lr·η‖w‖/(‖g‖ + wd‖w‖) (lr when either norm is 0) and d = g + wd·w
 * (when wd > 0), else rate = lr and d = g; v' = v·μ + d·rate, w' = w − v'. Returns [w', v'] per variable: new
 * tensors the caller owns. Call only where fusedLarsAvailable says so.
 * @throws Error when a gradient or buffer is missing or differs in shape from its variable.
 */
export function fusedLarsUpdate(
  w: readonly tf.Tensor[],
  g: readonly tf.Tensor[],
  v: readonly tf.Tensor[],
  settings: FusedLarsSettings,
): [tf.Tensor, tf.Tensor][] {
  const attrs = { ...settings, adapt: [...settings.adapt] };
  return runPerVariable(LARS, "fusedLarsUpdate", { w, g, v }, attrs) as [tf.Tensor, tf.Tensor][];
}

/**
 * One Adam step for every variable in one kernel call, as tfjs ops compute it in float32 (c = 1 − β):
 * d = g + w·wd (none when wd = 0), m' = m·β1 + d·c1, v' = v·β2 + d²·c2, w' = w·keep − (m'/(√v'/bc2Sqrt + ε))·stepSize.
 * Returns [w', m', v'] per variable: new tensors the caller owns. Call only where fusedAdamAvailable says so.
 * @throws Error when a gradient or slot is missing or differs in shape from its variable.
 */
export function fusedAdamUpdate(
  w: readonly tf.Tensor[],
  g: readonly tf.Tensor[],
  m: readonly tf.Tensor[],
  v: readonly tf.Tensor[],
  settings: FusedAdamSettings,
): [tf.Tensor, tf.Tensor, tf.Tensor][] {
  const attrs = { ...settings, decay: [...settings.decay], keep: [...settings.keep] };
  return runPerVariable(ADAM, "fusedAdamUpdate", { w, g, m, v }, attrs) as [tf.Tensor, tf.Tensor, tf.Tensor][];
}
