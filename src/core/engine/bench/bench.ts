// Benchmark core: times named cases on each requested backend. Model-agnostic — a case is a setup function
// returning a step to time — so the model zoo can add its own training steps (e.g. a full NF-ResNet step)
// without the engine knowing any model.
import { type BackendInfo, type BackendName, initBackend } from "../backend/backend.js";
import { groupedConv2d } from "../ops/groupedConv.js";
import { tf } from "../tf.js";
import { wasmHeapBytes } from "../wasm/wasmMemory.js";

export interface BenchCase {
  name: string;
  kind: "kernel" | "step";
  /** Floating-point operations per call (multiply-add = 2), for achieved GFLOP/s; 0 when not meaningful. */
  flops: number;
  /** Images processed per call, for images/s; 0 for kernels. */
  images: number;
  /** Allocates the inputs; returns the function to time and the cleanup. Runs with the backend already set. */
  setup: () => { run: () => tf.TensorContainer; dispose: () => void };
}

export interface BenchResult {
  backend: string;
  case: string;
  kind: BenchCase["kind"];
  reps: number;
  /** Median and fastest wall time per call (ms), each call synchronised by reading its outputs. */
  medianMs: number;
  minMs: number;
  gflops: number | null;
  imagesPerSec: number | null;
  /** Peak bytes of tfjs tensors alive during one call (tf.profile; null when not profiled), and peak RSS. */
  peakTensorBytes: number | null;
  peakRssBytes: number;
  /** wasm only: the wasm heap's size afterwards — it grows and never shrinks, so it is the heap's peak. */
  wasmHeapBytes: number | null;
}

export interface BenchOptions {
  /** TensorFlow intra-op threads on the native backends (initBackend's `threads`); ignored by wasm and cpu. */
  threads?: number;
  /** Keep repeating until this much time is spent (ms)… */
  minTimeMs: number;
  /** …but at most this many timed calls. */
  maxReps: number;
  /** Untimed calls first (wasm creates and packs XNNPACK operators on the first call). */
  warmup: number;
  /**
   * Measure tensor memory with tf.profile around one call (default). Off for very long calls (thousands of
   * kernels per micro-batch, dozens of micro-batches), where the wasm heap size stands for the peak.
   */
  profileMemory?: boolean;
}

export const DEFAULT_BENCH_OPTIONS: BenchOptions = { minTimeMs: 2000, maxReps: 20, warmup: 1 };

/** Forces completion: tfjs may run kernels lazily until their data is read. */
export function sync(out: tf.TensorContainer): void {
  const tensors: tf.Tensor[] = [];
  const collect = (c: tf.TensorContainer): void => {
    if (c instanceof tf.Tensor) tensors.push(c);
    else if (Array.isArray(c)) c.forEach(collect);
    else if (c !== null && typeof c === "object")
      Object.values(c as Record<string, tf.TensorContainer>).forEach(collect);
  };
  collect(out);
  for (const t of tensors) t.dataSync();
  tf.dispose(tensors);
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** Times one case on the current backend. */
export async function benchCase(c: BenchCase, opts: BenchOptions = DEFAULT_BENCH_OPTIONS): Promise<BenchResult> {
  const { run, dispose } = c.setup();
  try {
    // Peak tensor memory comes from tf.profile around one call: the first warm-up call, or (without warm-up, for
    // slow backends where every call counts) the first timed call.
    let peakTensorBytes: number | null = null;
    const profiled = async (): Promise<void> => {
      if (opts.profileMemory === false) {
        sync(run());
        return;
      }
      peakTensorBytes = (
        await tf.profile(() => {
          sync(run());
        })
      ).peakBytes;
    };
    for (let i = 0; i < opts.warmup; i++) {
      if (i === 0) await profiled();
      else sync(run());
    }
    let peakRss = process.memoryUsage().rss;
    const times: number[] = [];
    const start = performance.now();
    while (times.length < Math.max(1, opts.maxReps)) {
      const t0 = performance.now();
      if (opts.warmup === 0 && times.length === 0) await profiled();
      else sync(run());
      times.push(performance.now() - t0);
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      if (performance.now() - start >= opts.minTimeMs) break;
    }
    return benchResult(c, times, peakTensorBytes, peakRss);
  } finally {
    dispose();
  }
}

/** A case's result from its timed calls (ms each), on the current backend. */
export function benchResult(
  c: BenchCase,
  times: readonly number[],
  peakTensorBytes: number | null,
  peakRssBytes: number,
): BenchResult {
  const med = median(times);
  return {
    backend: tf.getBackend(),
    case: c.name,
    kind: c.kind,
    reps: times.length,
    medianMs: med,
    minMs: Math.min(...times),
    gflops: c.flops > 0 ? c.flops / med / 1e6 : null,
    imagesPerSec: c.images > 0 ? (c.images * 1000) / med : null,
    peakTensorBytes,
    peakRssBytes,
    wasmHeapBytes: wasmHeapBytes(),
  };
}

/**
 * Runs every case on every backend, in that order; `onResult` reports progress, `onBackend` what each backend is
 * (version, device, SIMD, threads, nfx's kernel build) so that numbers are never shown without their machine.
 */
export async function runBench(
  cases: readonly BenchCase[],
  backends: readonly BackendName[],
  opts: BenchOptions = DEFAULT_BENCH_OPTIONS,
  onResult: (r: BenchResult) => void = () => {},
  onBackend: (info: BackendInfo) => void = () => {},
): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  for (const b of backends) {
    const info = await initBackend(b, opts.threads === undefined ? {} : { threads: opts.threads });
    await tf.setBackend(info.tfjsBackend);
    onBackend(info);
    for (const c of cases) {
      const r = await benchCase(c, opts);
      results.push(r);
      onResult(r);
    }
  }
  return results;
}

const convFlops = (n: number, ho: number, wo: number, k: number, cin: number, cout: number): number =>
  2 * n * ho * wo * k * k * cin * cout;

/** The reference problem: 32 images of 32×32×64, 3×3 convs to 64 channels, "same" padding. */
const REF = { n: 32, h: 32, w: 32, c: 64, k: 3 } as const;
/** The reference batch size; smaller batches let the slow cpu backend finish (its cost is linear in the batch). */
export const REF_BATCH = REF.n;
const refConvFlops = (n: number): number => convFlops(n, REF.h, REF.w, REF.k, REF.c, REF.c);

function randn(shape: number[], std: number, seed: number): tf.Tensor {
  return tf.randomNormal(shape, 0, std, "float32", seed);
}

/** A trainable variable; tidy frees the initial value, which tf.variable would otherwise leave registered. */
function param(shape: number[], std: number, seed: number): tf.Variable {
  return tf.tidy(() => tf.variable(randn(shape, std, seed)));
}

/** Forward conv and both backprop kernels on the reference problem. */
export function convKernelCases(n: number = REF_BATCH): BenchCase[] {
  const { h, w, c, k } = REF;
  const shapes = () => ({
    x: randn([n, h, w, c], 1, 1) as tf.Tensor4D,
    f: randn([k, k, c, c], 0.05, 2) as tf.Tensor4D,
    dy: randn([n, h, w, c], 1, 3) as tf.Tensor4D,
  });
  const kernel = (name: string, body: (t: ReturnType<typeof shapes>) => tf.Tensor): BenchCase => ({
    name,
    kind: "kernel",
    flops: refConvFlops(n),
    images: 0,
    setup: () => {
      const t = shapes();
      return { run: () => body(t), dispose: () => tf.dispose([t.x, t.f, t.dy]) };
    },
  });
  return [
    kernel(`conv2d 3x3 ${n}x32x32x64→64 (Conv2D)`, (t) => tf.conv2d(t.x, t.f, 1, "same")),
    kernel("conv2d backprop input (Conv2DBackpropInput)", (t) =>
      tf.conv2dTranspose(t.dy, t.f, [n, h, w, c], 1, "same"),
    ),
    kernel(
      "conv2d backprop filter (Conv2DBackpropFilter)",
      (t) =>
        tf.engine().runKernel(
          "Conv2DBackpropFilter",
          { x: t.x, dy: t.dy },
          {
            strides: 1,
            pad: "same",
            dataFormat: "NHWC",
            filterShape: [k, k, c, c],
          },
        ) as tf.Tensor,
    ),
  ];
}

/**
 * The two-conv training step: conv → relu → conv → mean-square loss, forward and backward w.r.t. both
 * filters (2 forward convs, 2 backprop-filter, 1 backprop-input).
 */
export function twoConvStepCase(n: number = REF_BATCH): BenchCase {
  const { h, w, c, k } = REF;
  return {
    name: `two-conv step ${n}x32x32x64, 3x3 (fwd+bwd)`,
    kind: "step",
    flops: 5 * refConvFlops(n),
    images: n,
    setup: () => {
      const x = randn([n, h, w, c], 1, 4) as tf.Tensor4D;
      const w1 = param([k, k, c, c], 0.05, 5);
      const w2 = param([k, k, c, c], 0.05, 6);
      const run = () =>
        tf.variableGrads(
          () =>
            tf
              .conv2d(tf.relu(tf.conv2d(x, w1 as tf.Tensor4D, 1, "same")), w2 as tf.Tensor4D, 1, "same")
              .square()
              .mean() as tf.Scalar,
          [w1, w2],
        );
      return { run, dispose: () => tf.dispose([x, w1, w2]) };
    },
  };
}

/** A grouped 3×3 conv, forward and backward (NFNet-style group width, scaled down). */
export function groupedConvStepCase(): BenchCase {
  const n = 32;
  const h = 8;
  const c = 128;
  const groups = 4;
  return {
    name: "grouped conv 3x3 32x8x8x128, 4 groups (fwd+bwd)",
    kind: "step",
    flops: 3 * convFlops(n, h, h, 3, c / groups, c),
    images: n,
    setup: () => {
      const x = randn([n, h, h, c], 1, 7) as tf.Tensor4D;
      const wt = param([3, 3, c / groups, c], 0.05, 8);
      const run = () =>
        tf.variableGrads(
          () =>
            groupedConv2d(x, wt as tf.Tensor4D, 1, "same", groups)
              .square()
              .mean() as tf.Scalar,
          [wt],
        );
      return { run, dispose: () => tf.dispose([x, wt]) };
    },
  };
}

/** The engine's built-in cases, by group name. */
export function builtinCases(group: "kernels" | "steps" | "all", batch: number = REF_BATCH): BenchCase[] {
  const kernels = convKernelCases(batch);
  const steps = [twoConvStepCase(batch), groupedConvStepCase()];
  return group === "kernels" ? kernels : group === "steps" ? steps : [...kernels, ...steps];
}
