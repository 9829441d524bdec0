// Training-mode batch normalisation's passes over the wasm heap (the kernels behind ops/fusedBatchNorm.ts): the
// per-channel statistics (two passes: sum, then squares around the mean), the normalisation, the backward pass's
// two sums and its input gradient, each one SIMD sweep of simdKernels.wat. Channels are the last axis; the
// per-channel coefficients are computed here in float64 and handed to the kernels expanded to one period.
import type { tf } from "../tf.js";
import { kernelsFor } from "./simdKernels.js";
import { heapF32, heapOffset, type WasmHeapBackend, wasmHeap } from "./wasmHeap.js";
import type { TensorInfo } from "./wasmKernelScope.js";

/**
 * Elements per call of a summing kernel: each lane then sums at most this / L float32 terms before the partial is
 * added in float64 (so the statistics keep ≈ 1e-7 relative accuracy however many pixels there are).
 */
const CHUNK_ELEMENTS = 8192;

/** Floats per period at least (16 vectors), when channels allow. */
const MIN_PERIOD = 64;

/** x seen by the kernels: C channels, `rows` = size / C, `periods` whole periods of `period` floats, then a tail. */
interface Layout {
  c: number;
  rows: number;
  n: number;
  period: number;
  periods: number;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

function layoutOf(x: TensorInfo): Layout {
  const c = x.shape[x.shape.length - 1] ?? 1;
  const n = x.shape.reduce((p, d) => p * d, 1);
  // A period holds whole channels and whole vectors: every lane then keeps one channel in every period. Periods
  // of at least MIN_PERIOD floats give the summing kernels as many independent accumulator chains (through memory,
  // where each costs a store-to-load round trip per period).
  const base = c === 0 ? 4 : (c * 4) / gcd(c, 4);
  const period = base * Math.max(1, Math.floor(MIN_PERIOD / base));
  return { c, rows: c === 0 ? 0 : n / c, n, period, periods: Math.floor(n / period) };
}

/** A float32 heap buffer of `count` floats for the kernels' per-channel vectors and accumulators (freed by the caller). */
const scratch = (b: WasmHeapBackend, count: number): TensorInfo => b.makeOutput([count], "float32");

/** Writes v[j mod C] for j < period into the heap at float index `at`: a per-channel vector expanded to a period. */
function expand(heap: Float32Array, at: number, v: ArrayLike<number>, lay: Layout): void {
  for (let j = 0; j < lay.period; j++) heap[at + j] = v[j % lay.c] as number;
}

/**
 * Per-channel float64 sums over every whole period: `run(byteOffset, periods)` sums `periods` periods starting at
 * that byte offset into the `accs` (float indices into the heap, one period each).
 */
function chunkedSums(
  b: WasmHeapBackend,
  lay: Layout,
  accs: number[],
  run: (byteOffset: number, periods: number) => void,
): Float64Array[] {
  const out = accs.map(() => new Float64Array(lay.c));
  const per = Math.max(1, Math.floor(CHUNK_ELEMENTS / lay.period));
  // No allocation happens in the loop, so one view of the heap serves it.
  const heap = heapF32(b);
  for (let first = 0; first < lay.periods; first += per) {
    run(first * lay.period * 4, Math.min(per, lay.periods - first));
    for (const [i, at] of accs.entries()) {
      const sums = out[i] as Float64Array;
      for (let j = 0; j < lay.period; j++) sums[j % lay.c] = (sums[j % lay.c] as number) + (heap[at + j] as number);
    }
  }
  return out;
}

/**
 * y = (x − mean)·scale/√(variance + eps) + offset with the batch's per-channel mean and biased variance over every
 * axis but the last (channels), all float32 on the wasm heap: [y (x's shape), mean [C], variance [C]].
 * An empty batch gives NaN statistics (0/0, as tf.moments does).
 */
export function batchNormTrainForward(
  backend: tf.KernelBackend,
  x: TensorInfo,
  scale: TensorInfo,
  offset: TensorInfo,
  eps: number,
): TensorInfo[] {
  const b = wasmHeap(backend);
  const lay = layoutOf(x);
  const y = b.makeOutput(x.shape, "float32");
  const mean = b.makeOutput([lay.c], "float32");
  const variance = b.makeOutput([lay.c], "float32");
  if (lay.c === 0) return [y, mean, variance];
  const tmp = scratch(b, 4 * lay.period);
  try {
    const k = kernelsFor(b);
    const heap = heapF32(b);
    const [xAt, tAt] = [heapOffset(b, x) / 4, heapOffset(b, tmp) / 4];
    const [mAt, accAt, aAt, bAt] = [tAt, tAt + lay.period, tAt + 2 * lay.period, tAt + 3 * lay.period];
    const l4 = lay.period / 4;
    const tail = lay.periods * lay.period;
    const sums = chunkedSums(b, lay, [accAt], (o, p) => k.bnSum(xAt * 4 + o, accAt * 4, l4, p))[0] as Float64Array;
    for (let i = tail; i < lay.n; i++) sums[i % lay.c] = (sums[i % lay.c] as number) + (heap[xAt + i] as number);
    const m64 = sums.map((s) => s / lay.rows);
    const m32 = Float32Array.from(m64);
    expand(heap, mAt, m32, lay);
    const sq = chunkedSums(b, lay, [accAt], (o, p) => k.bnSumSq(xAt * 4 + o, mAt * 4, accAt * 4, l4, p))[0];
    const q = sq as Float64Array;
    for (let i = tail; i < lay.n; i++)
      q[i % lay.c] = (q[i % lay.c] as number) + ((heap[xAt + i] as number) - (m32[i % lay.c] as number)) ** 2;
    // Σ(x − m32)² = Σ(x − mean)² + rows·(mean − m32)²: the exact mean's variance from squares around m32.
    const v32 = Float32Array.from(q, (s, ch) =>
      Math.max(0, s / lay.rows - ((m64[ch] as number) - (m32[ch] as number)) ** 2),
    );
    heap.set(m32, heapOffset(b, mean) / 4);
    heap.set(v32, heapOffset(b, variance) / 4);
    const [scaleAt, offsetAt] = [heapOffset(b, scale) / 4, heapOffset(b, offset) / 4];
    const a = Float64Array.from(v32, (v, ch) => (heap[scaleAt + ch] as number) / Math.sqrt(v + eps));
    expand(heap, aAt, a, lay);
    expand(heap, bAt, heap.subarray(offsetAt, offsetAt + lay.c), lay);
    const yAt = heapOffset(b, y) / 4;
    if (lay.periods > 0) k.bnNormalize(xAt * 4, mAt * 4, aAt * 4, bAt * 4, yAt * 4, l4, lay.periods);
    for (let i = tail; i < lay.n; i++) {
      const ch = i % lay.c;
      heap[yAt + i] =
        ((heap[xAt + i] as number) - (m32[ch] as number)) * (a[ch] as number) + (heap[offsetAt + ch] as number);
    }
  } finally {
    b.disposeData(tmp.dataId);
  }
  return [y, mean, variance];
}

/**
 * The gradient of batchNormTrainForward's y, given dy, x and the forward's mean and variance [C]:
 * [dx (x's shape), dscale [C], doffset [C]] with x̂ = (x − mean)·rstd, rstd = 1/√(variance + eps), M = size / C:
 *   dx = scale·rstd·(dy − mean(dy) − x̂·mean(dy·x̂)),  dscale = Σ dy·x̂,  doffset = Σ dy
 * (the batch's statistics differentiated along with x; Ioffe & Szegedy 2015, §3).
 */
export function batchNormTrainBackward(
  backend: tf.KernelBackend,
  dy: TensorInfo,
  x: TensorInfo,
  mean: TensorInfo,
  variance: TensorInfo,
  scale: TensorInfo,
  eps: number,
): TensorInfo[] {
  const b = wasmHeap(backend);
  const lay = layoutOf(x);
  const dx = b.makeOutput(x.shape, "float32");
  const dScale = b.makeOutput([lay.c], "float32");
  const dOffset = b.makeOutput([lay.c], "float32");
  if (lay.c === 0) return [dx, dScale, dOffset];
  const tmp = scratch(b, 6 * lay.period);
  try {
    const k = kernelsFor(b);
    const heap = heapF32(b);
    const [xAt, dyAt, tAt] = [heapOffset(b, x) / 4, heapOffset(b, dy) / 4, heapOffset(b, tmp) / 4];
    const at = (i: number): number => tAt + i * lay.period;
    const [mAt, sDyAt, sDyXAt, aAt, bxAt, cAt] = [at(0), at(1), at(2), at(3), at(4), at(5)];
    const l4 = lay.period / 4;
    const tail = lay.periods * lay.period;
    const [meanAt, varAt, scaleAt] = [mean, variance, scale].map((t) => heapOffset(b, t) / 4) as [
      number,
      number,
      number,
    ];
    const m = heap.slice(meanAt, meanAt + lay.c);
    expand(heap, mAt, m, lay);
    const [s1, s2] = chunkedSums(b, lay, [sDyAt, sDyXAt], (o, p) =>
      k.bnGradSums(dyAt * 4 + o, xAt * 4 + o, mAt * 4, sDyAt * 4, sDyXAt * 4, l4, p),
    ) as [Float64Array, Float64Array];
    for (let i = tail; i < lay.n; i++) {
      const ch = i % lay.c;
      const g = heap[dyAt + i] as number;
      s1[ch] = (s1[ch] as number) + g;
      s2[ch] = (s2[ch] as number) + g * ((heap[xAt + i] as number) - (m[ch] as number));
    }
    const rstd = Float64Array.from(heap.subarray(varAt, varAt + lay.c), (v) => 1 / Math.sqrt(v + eps));
    const a = rstd.map((r, ch) => (heap[scaleAt + ch] as number) * r);
    const bx = a.map((ar, ch) => (-ar * (rstd[ch] as number) ** 2 * (s2[ch] as number)) / lay.rows);
    const c = a.map((ar, ch) => (-ar * (s1[ch] as number)) / lay.rows);
    heap.set(
      Float32Array.from(s2, (s, ch) => s * (rstd[ch] as number)),
      heapOffset(b, dScale) / 4,
    );
    heap.set(Float32Array.from(s1), heapOffset(b, dOffset) / 4);
    expand(heap, aAt, a, lay);
    expand(heap, bxAt, bx, lay);
    expand(heap, cAt, c, lay);
    const dxAt = heapOffset(b, dx) / 4;
    if (lay.periods > 0)
      k.bnInputGrad(dyAt * 4, xAt * 4, mAt * 4, aAt * 4, bxAt * 4, cAt * 4, dxAt * 4, l4, lay.periods);
    for (let i = tail; i < lay.n; i++) {
      const ch = i % lay.c;
      const xm = (heap[xAt + i] as number) - (m[ch] as number);
      heap[dxAt + i] = (heap[dyAt + i] as number) * (a[ch] as number) + xm * (bx[ch] as number) + (c[ch] as number);
    }
  } finally {
    b.disposeData(tmp.dataId);
  }
  return [dx, dScale, dOffset];
}
