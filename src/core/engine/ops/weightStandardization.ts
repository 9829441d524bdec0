// Weight standardisation of an HWIO kernel and its gradient as one wasm kernel each (nfx's SIMD column sums and one
// elementwise pass), where tfjs ops take 10 kernels forward and 20 backward per conv. The formulas are
// models/wsConv.ts's (which calls this where it runs and composes tfjs ops elsewhere):
//   c = W − μ,  r = 1/sqrt(max(N·var, ε)) (official) or N^-½/sqrt(var + ε') (timm),  Ŵ = gain·r·c
//   dgain = r·Σ dŴ·c,   g = dŴ·gain·r − c·v,  v = gain·r³·Σ(dŴ·c)·[N·var > ε],   dW = g − mean(g)
// with sums and means per output channel over axes 0,1,2 (N = kh·kw·cin, the rows of W viewed as [N, cout]).
import { tf } from "../tf.js";
import { simdKernelsAvailable, simdKernelsOn } from "../wasm/simdKernels.js";
import { heapF32, heapOffset, type WasmHeapBackend, wasmHeap } from "../wasm/wasmHeap.js";
import type { TensorInfo, WasmKernelArgs } from "../wasm/wasmKernelScope.js";

/** Floors N·var so that a (near-)constant filter does not divide by zero (official form). */
export const WS_EPS = 1e-4;

/** timm's ε, added to the variance (`ScaledStdConv2dSame(eps=NfCfg.std_conv_eps)`). */
export const TIMM_WS_EPS = 1e-5;

export type WsForm = "official" | "timm";

const FORWARD = "NfxWsForward";
const BACKWARD = "NfxWsBackward";

/** r for one output channel from Σ(W − μ)² = N·var, and whether the floor leaves var's path open. */
function channelScale(nVar: number, fanIn: number, form: WsForm): { r: number; active: boolean } {
  if (form === "timm") return { r: 1 / Math.sqrt(nVar / fanIn + TIMM_WS_EPS) / Math.sqrt(fanIn), active: true };
  return { r: 1 / Math.sqrt(Math.max(nVar, WS_EPS)), active: nVar > WS_EPS };
}

/**
 * Runs `body` with a scratch block of 8·cols floats laid out as mean [cols], the four column sums [4, cols] of
 * wsColumnSums and the three coefficient rows [3, cols] of wsApply (byte offsets given), freed afterwards.
 */
function withStats(b: WasmHeapBackend, w: TensorInfo, dy: TensorInfo, body: (at: StatsAt) => void): void {
  const [rows, cols] = layout(w.shape);
  const scratch = b.makeOutput([8 * cols], "float32");
  try {
    const k = simdKernelsOn(b);
    const base = heapOffset(b, scratch);
    const at = { rows, cols, mean: base, sums: base + 4 * cols, coef: base + 20 * cols };
    const wAt = heapOffset(b, w);
    k.columnSum(wAt, at.mean, rows, cols, 1 / rows);
    k.wsColumnSums(heapOffset(b, dy), wAt, at.mean, at.sums, rows, cols);
    body(at);
  } finally {
    b.disposeData(scratch.dataId);
  }
}

interface StatsAt {
  rows: number;
  cols: number;
  mean: number;
  sums: number;
  coef: number;
}

/** [N, cout] of an HWIO kernel. */
const layout = (shape: number[]): [number, number] => {
  const cols = shape[3] as number;
  return [(shape[0] as number) * (shape[1] as number) * (shape[2] as number), cols];
};

const formOf = (attrs: tf.NamedAttrMap | undefined): WsForm => (attrs?.form === "timm" ? "timm" : "official");

function forwardKernel({ inputs, backend, attrs }: WasmKernelArgs): TensorInfo {
  const b = wasmHeap(backend);
  const w = inputs.w as TensorInfo;
  const form = formOf(attrs);
  const out = b.makeOutput(w.shape, "float32");
  withStats(b, w, w, ({ rows, cols, mean, sums, coef }) => {
    const heap = heapF32(b);
    const gain = heapOffset(b, inputs.gain as TensorInfo) / 4;
    for (let c = 0; c < cols; c++) {
      const { r } = channelScale(heap[sums / 4 + cols + c] as number, rows, form);
      heap[coef / 4 + c] = 0;
      heap[coef / 4 + cols + c] = r * (heap[gain + c] as number);
      heap[coef / 4 + 2 * cols + c] = 0;
    }
    const wAt = heapOffset(b, w);
    simdKernelsOn(b).wsApply(wAt, wAt, mean, coef, heapOffset(b, out), rows, cols);
  });
  return out;
}

function backwardKernel({ inputs, backend, attrs }: WasmKernelArgs): TensorInfo[] {
  const b = wasmHeap(backend);
  const w = inputs.w as TensorInfo;
  const dy = inputs.dy as TensorInfo;
  const form = formOf(attrs);
  const dw = b.makeOutput(w.shape, "float32");
  const dGain = b.makeOutput([w.shape[3] as number], "float32");
  withStats(b, w, dy, ({ rows, cols, mean, sums, coef }) => {
    const heap = heapF32(b);
    const gain = heapOffset(b, inputs.gain as TensorInfo) / 4;
    const dg = heapOffset(b, dGain) / 4;
    const [s, k] = [sums / 4, coef / 4];
    for (let c = 0; c < cols; c++) {
      const { r, active } = channelScale(heap[s + cols + c] as number, rows, form);
      const sumDyC = heap[s + 3 * cols + c] as number;
      const g = heap[gain + c] as number;
      const v = active ? g * sumDyC * r * r * r : 0;
      heap[dg + c] = r * sumDyC;
      heap[k + c] = g * r;
      heap[k + cols + c] = -v;
      // mean over the rows of dŴ·gain·r − c·v: the column sums of dŴ and of c.
      heap[k + 2 * cols + c] = (g * r * (heap[s + 2 * cols + c] as number) - v * (heap[s + c] as number)) / rows;
    }
    simdKernelsOn(b).wsApply(heapOffset(b, dy), heapOffset(b, w), mean, coef, heapOffset(b, dw), rows, cols);
  });
  return [dw, dGain];
}

export const wsKernelConfigs: readonly tf.KernelConfig[] = [
  { kernelName: FORWARD, backendName: "wasm", kernelFunc: forwardKernel as unknown as tf.KernelFunc },
  { kernelName: BACKWARD, backendName: "wasm", kernelFunc: backwardKernel as unknown as tf.KernelFunc },
];

tf.registerGradient({
  kernelName: FORWARD,
  inputsToSave: ["w", "gain"],
  gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs?: tf.NamedAttrMap) => {
    const [w, gain] = saved as [tf.Tensor4D, tf.Tensor1D];
    const [dw, dg] = tf.engine().runKernel(BACKWARD, { dy: dy as tf.Tensor, w, gain }, attrs ?? {}) as tf.Tensor[];
    return { w: () => dw as tf.Tensor, gain: () => dg as tf.Tensor };
  },
});

/**
 * Whether the fused kernels standardise w here: float32 on the wasm backend with nfx's SIMD kernels, and output
 * channels in groups of 4 (the kernels' vector width).
 */
export function wsFusedApplies(w: tf.Tensor4D, gain: tf.Tensor1D): boolean {
  return (
    w.dtype === "float32" &&
    gain.dtype === "float32" &&
    w.size > 0 &&
    w.shape[3] % 4 === 0 &&
    tf.getBackend() === "wasm" &&
    tf.getKernel(FORWARD, "wasm") !== undefined &&
    simdKernelsAvailable()
  );
}

/** Ŵ [kh,kw,cin,cout] = gain·(W − μ)·r per output channel, by the fused kernels (check `wsFusedApplies` first). */
export function standardizeWeightFused(w: tf.Tensor4D, gain: tf.Tensor1D, form: WsForm): tf.Tensor4D {
  return tf.engine().runKernel(FORWARD, { w, gain }, { form }) as tf.Tensor4D;
}
