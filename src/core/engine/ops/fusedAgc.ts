// AGC (eq. 3 of Brock et al. 2021, unit-wise or per layer) over a whole list of parameters in one kernel call where
// nfx's wasm SIMD kernels run: per parameter three passes over its memory (column maxima, column sums of squares
// of x/m, the clipped gradient) with the per-unit arithmetic between them here. Composed from tfjs ops, AGC took
// ≈ 15 kernels per group of same-shaped parameters, stacking copies and a select broadcast to the weight's shape:
// ≈ 17% of nf-resnet-micro's step on wasm. The tfjs-op path (agc/norms.ts clipSlots) is the reference; this one
// computes the same float32 operations (the order of the sums aside).
import { tf } from "../tf.js";
import { type ParamKernels, paramKernels, simdKernelsAvailable } from "../wasm/simdKernels.js";
import { heapF32, heapOffset, type WasmHeapBackend, wasmHeap } from "../wasm/wasmHeap.js";
import { type TensorInfo, type WasmKernelArgs, wasmKernel, wasmOutput } from "../wasm/wasmKernelScope.js";

const KERNEL = "NfxAgcClip";
const GLOBAL_NORM = "NfxGlobalNorm";

/**
 * A parameter (gradient and value) viewed as [rows, cols] with its units the columns: the reduced axes are its
 * leading axes (HWIO conv [kh·kw·in, out], [in, out] dense, rank 3 [a, b·c]); cols 1 is one unit (a norm over the
 * whole tensor); rows 1 makes every element a unit.
 */
export interface AgcColumns {
  rows: number;
  cols: number;
}

/** λ, ε (λ·max(‖W_i‖, ε) is the threshold), the scale floor of the norms, and whether a non-finite unit is zeroed. */
export interface FusedAgcSettings {
  lambda: number;
  eps: number;
  floor: number;
  zeroNonFinite: boolean;
}

interface AgcAttrs extends FusedAgcSettings {
  rows: number[];
  cols: number[];
}

/** Scratch slots per column: the scales and sums of squares of W and G, then the divisor, factor and keep mask. */
const [MW, MG, SW, SG, DIV, MUL, KEEP, SLOTS] = [0, 1, 2, 3, 4, 5, 6, 7];

/**
 * Float32 roundings of the tfjs ops of clipSlots for one unit from its scales and sums of squares: ‖x‖ = m·√ss,
 * maxNorm = λ·max(‖W‖, ε); clipped when ‖G‖ > maxNorm and both norms are not NaN (a NaN or ±Inf element makes
 * its norm NaN). Returns [clipped, divisor, factor, non-finite]; divisor and factor are 1 for an unclipped unit.
 */
function unitRule(mW: number, ssW: number, mG: number, ssG: number, a: AgcAttrs): [boolean, number, number, boolean] {
  const f = Math.fround;
  const wNorm = f(mW * f(Math.sqrt(ssW)));
  const gUnit = f(Math.sqrt(ssG));
  const gNorm = f(mG * gUnit);
  const bad = Number.isNaN(gNorm) || Number.isNaN(wNorm);
  const maxNorm = f(f(Math.max(wNorm, f(a.eps))) * f(a.lambda));
  if (bad || !(gNorm > maxNorm)) return [false, 1, 1, bad];
  return [true, mG, f(maxNorm / Math.max(gUnit, f(a.floor))), false];
}

/** The largest of `count` values from `at` (NaN if one is), written back to all of them; floored at `floor`. */
function floorScales(heap: Float32Array, at: number, count: number, shared: boolean, floor: number): void {
  let m = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < count; j++) {
    const v = Math.max(heap[at + j] as number, floor);
    heap[at + j] = v;
    m = Math.max(m, v);
  }
  if (shared) heap.fill(m, at, at + count);
}

/**
 * Clips one parameter into `out`; returns [clipped units, non-finite units]. A one-unit parameter whose size is
 * a multiple of 4 runs as 4 columns sharing one scale, their sums added here.
 */
function clipParam(
  k: ParamKernels,
  b: WasmHeapBackend,
  [g, w, out]: [TensorInfo, TensorInfo, TensorInfo],
  { rows, cols }: AgcColumns,
  scratch: number,
  stride: number,
  a: AgcAttrs,
): [number, number] {
  const shared = cols === 1 && rows % 4 === 0;
  const [r, c] = shared ? [rows / 4, 4] : [rows, cols];
  const slot = (s: number) => scratch + s * stride * 4;
  const [gAt, wAt] = [heapOffset(b, g), heapOffset(b, w)];
  k.agcColumnMax(wAt, r, c, slot(MW));
  k.agcColumnMax(gAt, r, c, slot(MG));
  const heap = heapF32(b);
  const f0 = scratch / 4;
  const floor = Math.fround(a.floor);
  floorScales(heap, f0 + MW * stride, c, shared, floor);
  floorScales(heap, f0 + MG * stride, c, shared, floor);
  k.agcColumnSumSq(wAt, r, c, slot(MW), slot(SW));
  k.agcColumnSumSq(gAt, r, c, slot(MG), slot(SG));
  const bits = new Int32Array(heap.buffer);
  const at = (s: number, j: number) => f0 + s * stride + j;
  // One shared unit: its 4 columns' sums, added in float32 as tfjs's Sum would round them.
  const sumSq = (s: number, u: number) =>
    shared
      ? [0, 1, 2, 3].reduce((acc, j) => Math.fround(acc + (heap[at(s, j)] as number)), 0)
      : (heap[at(s, u)] as number);
  let [clipped, bad] = [0, 0];
  for (let u = 0; u < (shared ? 1 : c); u++) {
    const [trigger, div, mul, nonFinite] = unitRule(
      heap[at(MW, u)] as number,
      sumSq(SW, u),
      heap[at(MG, u)] as number,
      sumSq(SG, u),
      a,
    );
    clipped += trigger ? 1 : 0;
    bad += nonFinite ? 1 : 0;
    for (let j = shared ? 0 : u; j < (shared ? 4 : u + 1); j++) {
      heap[at(DIV, j)] = div;
      heap[at(MUL, j)] = mul;
      bits[at(KEEP, j)] = nonFinite && a.zeroNonFinite ? 0 : -1;
    }
  }
  k.agcColumnScale(gAt, heapOffset(b, out), r, c, slot(DIV), slot(MUL), slot(KEEP));
  return [clipped, bad];
}

/** The kernel: inputs g0, w0, g1, w1, …; outputs the clipped gradients, then [P, 2] (clipped, non-finite units). */
function agcClipKernel({ inputs, backend, attrs }: WasmKernelArgs): TensorInfo[] {
  const a = attrs as unknown as AgcAttrs;
  const b = wasmHeap(backend);
  const k = paramKernels(backend);
  const count = a.rows.length;
  // Each slot holds a multiple of 4 floats, so that every column vector of the scratch is 16-byte aligned.
  const stride = Math.ceil(Math.max(4, ...a.cols) / 4) * 4;
  const scratch = b.makeOutput([SLOTS * stride], "float32");
  const stats = new Float32Array(2 * count);
  const outs: TensorInfo[] = [];
  try {
    for (let p = 0; p < count; p++) {
      const g = inputs[`g${p}`] as TensorInfo;
      const out = b.makeOutput(g.shape, "float32");
      outs.push(out);
      const layout = { rows: a.rows[p] as number, cols: a.cols[p] as number };
      if (layout.rows * layout.cols === 0) continue;
      const trio: [TensorInfo, TensorInfo, TensorInfo] = [g, inputs[`w${p}`] as TensorInfo, out];
      const [clipped, bad] = clipParam(k, b, trio, layout, heapOffset(b, scratch), stride, a);
      stats[2 * p] = clipped;
      stats[2 * p + 1] = bad;
    }
  } catch (e) {
    for (const out of outs) b.disposeData(out.dataId);
    throw e;
  } finally {
    b.disposeData(scratch.dataId);
  }
  outs.push(wasmOutput(backend, [count, 2], stats));
  return outs;
}

/**
 * The global norm kernel: inputs x0, x1, …; output the float32 scalar m·√(Σ_t Σ (x/m)²), m = max(max|x|, floor)
 * over all of them (NaN when some x is NaN or ±Inf). Each tensor is read twice, as [n/4, 4] where 4 divides n.
 */
function globalNormKernel({ inputs, backend, attrs }: WasmKernelArgs): TensorInfo {
  const { floor, count } = attrs as unknown as { floor: number; count: number };
  const b = wasmHeap(backend);
  const k = paramKernels(backend);
  const scratch = b.makeOutput([8], "float32");
  try {
    const [at, f0] = [heapOffset(b, scratch), heapOffset(b, scratch) / 4];
    const views = Array.from({ length: count }, (_, p) => {
      const x = inputs[`x${p}`] as TensorInfo;
      const n = x.shape.reduce((s, d) => s * d, 1);
      return { x: heapOffset(b, x), ...(n % 4 === 0 ? { r: n / 4, c: 4 } : { r: n, c: 1 }) };
    });
    let m = Math.fround(floor);
    for (const v of views) {
      k.agcColumnMax(v.x, v.r, v.c, at);
      for (const x of heapF32(b).subarray(f0, f0 + v.c)) m = Math.max(m, x);
    }
    let total = 0;
    for (const v of views) {
      heapF32(b).fill(m, f0, f0 + 4);
      k.agcColumnSumSq(v.x, v.r, v.c, at, at + 16);
      const partial = heapF32(b)
        .subarray(f0 + 4, f0 + 4 + v.c)
        .reduce((s, x) => Math.fround(s + x), 0);
      total = Math.fround(total + partial);
    }
    return wasmOutput(backend, [], Float32Array.of(m * Math.fround(Math.sqrt(total))));
  } finally {
    b.disposeData(scratch.dataId);
  }
}

export const agcKernelConfigs: readonly tf.KernelConfig[] = [
  wasmKernel(KERNEL, agcClipKernel as unknown as (args: WasmKernelArgs) => TensorInfo),
  wasmKernel(GLOBAL_NORM, globalNormKernel),
];

/**
 * The global Frobenius norm of a non-empty list, sqrt(Σ_t Σ x²), as m·sqrt(Σ_t Σ (x/m)²) with m = max(max|x|,
 * floor) over all of them (no overflow or underflow; NaN when some x is NaN or ±Inf), in one kernel call: a float32
 * scalar the caller owns. Call only where fusedAgcAvailable says so.
 */
export function fusedGlobalNorm(ts: readonly tf.Tensor[], floor: number): tf.Scalar {
  const inputs: tf.NamedTensorMap = {};
  ts.forEach((t, p) => {
    inputs[`x${p}`] = t;
  });
  return tf.engine().runKernel(GLOBAL_NORM, inputs, { floor, count: ts.length }) as tf.Scalar;
}

/** Whether fusedAgcClip runs for these tensors: all float32, on the wasm backend with nfx's kernels registered. */
export const fusedAgcAvailable = (ts: readonly tf.Tensor[]): boolean =>
  tf.getBackend() === "wasm" &&
  tf.getKernel(KERNEL, "wasm") !== undefined &&
  simdKernelsAvailable() &&
  ts.every((t) => t.dtype === "float32");

/**
 * AGC on grads[p] (value values[p], same shape, viewed as layouts[p]: units are its columns) in one kernel call.
 * A unit with ‖G_i‖ > λ·max(‖W_i‖, ε) becomes (G_i/m)·(λ·max(‖W_i‖, ε)/‖G_i/m‖), m = max(max|G_i|, floor) (its
 * norm the threshold, no overflow or underflow); other units are G_i exactly; a unit holding NaN or ±Inf (in G_i
 * or W_i) is never clipped: zeroed with `zeroNonFinite`, else kept. Returns the clipped gradients (new tensors the
 * caller owns) and per parameter [clipped units, non-finite units] (read here: on wasm a copy, not a wait).
 * Call only where fusedAgcAvailable says so.
 * @throws Error when a layout does not cover its gradient, or shapes differ.
 */
export function fusedAgcClip(
  grads: readonly tf.Tensor[],
  values: readonly tf.Tensor[],
  layouts: readonly AgcColumns[],
  settings: FusedAgcSettings,
): { clipped: tf.Tensor[]; perParam: Float32Array } {
  const inputs: tf.NamedTensorMap = {};
  grads.forEach((g, p) => {
    const w = values[p] as tf.Tensor;
    const { rows, cols } = layouts[p] as AgcColumns;
    if (rows * cols !== g.size || !tf.util.arraysEqual(g.shape, w.shape)) {
      throw new Error(`fusedAgcClip: parameter ${p}: [${g.shape}] vs [${w.shape}] as ${rows}×${cols}`);
    }
    inputs[`g${p}`] = g;
    inputs[`w${p}`] = w;
  });
  const attrs = {
    ...settings,
    rows: layouts.map((l) => l.rows),
    cols: layouts.map((l) => l.cols),
  };
  const outs = tf.engine().runKernel(KERNEL, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
  const stats = outs.pop() as tf.Tensor;
  const perParam = stats.dataSync() as Float32Array;
  stats.dispose();
  return { clipped: outs, perParam };
}
