// nfx's hand-written wasm SIMD kernels (simdKernels.wat), instantiated on the tfjs wasm backend's own memory so
// that they read and write tensors in place. One instance per heap (tests may start several backends).
import v8 from "node:v8";
import type { tf } from "../tf.js";
import { SIMD_KERNELS_FMA_WASM_BASE64, SIMD_KERNELS_WASM_BASE64 } from "./simdKernelsBinary.js";
import { heapF32, heapOffset, type WasmHeapBackend, wasmHeap, zeroFill } from "./wasmHeap.js";
import type { TensorInfo } from "./wasmKernelScope.js";

/** The part of the WebAssembly JS API used here (the tsconfig's ES2022 lib declares none of it). */
type WasmMemory = WasmHeapBackend["wasm"]["asm"]["memory"];
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}
const WebAssemblyJs = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

export type { ConvGeometry, SimdExports } from "./simdExports.js";

import type { ConvGeometry, SimdExports } from "./simdExports.js";

/** The kernels fused per parameter (AGC, optimizer updates), as they take heap byte offsets (simdKernels.wat). */
export type ParamKernels = Pick<
  SimdExports,
  "agcColumnMax" | "agcColumnSumSq" | "agcColumnScale" | "sgdUpdate" | "larsUpdate" | "adamUpdate"
>;

/** nfx's per-parameter kernels on `backend`'s heap (throws where wasm SIMD is missing: see simdKernelsAvailable). */
export const paramKernels = (backend: tf.KernelBackend): ParamKernels => kernelsFor(wasmHeap(backend));

/** Which build of the kernels runs: with fused multiply-adds, plain SIMD, or none (no wasm SIMD here). */
export type SimdKernelsBuild = "fma" | "simd" | "none";

let compiled: { module: object | null; build: SimdKernelsBuild } | undefined;
const instances = new WeakMap<WasmMemory, SimdExports>();

function compile(base64: string): object | null {
  try {
    return new WebAssemblyJs.Module(Buffer.from(base64, "base64"));
  } catch {
    return null;
  }
}

/**
 * The FMA build where the engine has relaxed SIMD (Node ≥ 22 by default; Node 20's V8 11.3 behind a flag, which is
 * turned on here: it only lets wasm modules use relaxed SIMD instructions, and is read when a module compiles),
 * else the plain build. NFX_WASM_FMA=0 keeps the plain build (to compare, or where fused rounding is unwanted).
 */
function compiledKernels(): { module: object | null; build: SimdKernelsBuild } {
  if (compiled === undefined) {
    let module: object | null = null;
    if (process.env.NFX_WASM_FMA !== "0") {
      module = compile(SIMD_KERNELS_FMA_WASM_BASE64);
      if (module === null) {
        v8.setFlagsFromString("--experimental-wasm-relaxed-simd");
        module = compile(SIMD_KERNELS_FMA_WASM_BASE64);
      }
    }
    if (module !== null) compiled = { module, build: "fma" };
    else {
      module = compile(SIMD_KERNELS_WASM_BASE64);
      compiled = { module, build: module === null ? "none" : "simd" };
    }
  }
  return compiled;
}

/** What each build means, for people (`nfx doctor`). */
export const SIMD_KERNELS_BUILD_LABEL: Record<SimdKernelsBuild, string> = {
  fma: "wasm SIMD with fused multiply-adds (relaxed SIMD)",
  simd: "wasm SIMD (no relaxed SIMD here, or NFX_WASM_FMA=0)",
  none: "not available (no wasm SIMD): XNNPACK and composed kernels only",
};

/** Which build of nfx's kernels this process runs (recorded with the backend; `nfx doctor` shows it). */
export const simdKernelsBuild = (): SimdKernelsBuild => compiledKernels().build;

/** Whether nfx's SIMD kernels run here (every Node ≥ 16.4 has wasm SIMD; a flag can turn it off). */
export const simdKernelsAvailable = (): boolean => compiledKernels().module !== null;

/** The kernels instantiated on b's heap. */
export function kernelsFor(b: WasmHeapBackend): SimdExports {
  const memory = b.wasm.asm.memory;
  let k = instances.get(memory);
  if (k === undefined) {
    const { module } = compiledKernels();
    if (module === null) throw new Error("nfx simd kernels: this JavaScript engine has no wasm SIMD");
    k = new WebAssemblyJs.Instance(module, { env: { memory } }).exports as unknown as SimdExports;
    instances.set(memory, k);
  }
  return k;
}

/** The kernels on b's heap, for the fused ops that drive them from their own files (nfblock: engine/ops/). */
export const simdKernelsOn = (b: WasmHeapBackend): SimdExports => kernelsFor(b);

/** The padded input must cover every output pixel's receptive field. */
function checkPaddedInput(kernel: string, [, hp, wp, , ho, wo, , kh, kw, sh, sw]: ConvGeometry): void {
  if (hp < (ho - 1) * sh + kh || wp < (wo - 1) * sw + kw) {
    throw new Error(`nfx simd ${kernel}: padded input ${hp}×${wp} too small for ${ho}×${wo} outputs`);
  }
}

/**
 * Output rows per pixel block of the filter gradient: blocks of at most FILTER_GRAD_BLOCK_PIXELS output pixels,
 * balanced over the image (a short last block costs a dW tile load and store for few pixels).
 */
const blockRows = (ho: number, wo: number): number => {
  const blocks = Math.ceil((ho * wo) / FILTER_GRAD_BLOCK_PIXELS);
  return Math.max(1, Math.ceil(ho / blocks));
};
const FILTER_GRAD_BLOCK_PIXELS = 256;

/**
 * Where nfx's SIMD forward conv runs: every conv whose output channels fill its 8-channel tile. Measured against
 * XNNPACK on the 2-core EPYC, kernel against kernel: faster or equal for every shape tried, 3×3 and 1×1, 1 to
 * 1536 input channels (FMA build 1.2–1.6× faster; plain build 1.0–1.25×).
 */
export const conv2dFits = (cin: number, cout: number): boolean =>
  cin > 0 && cout > 0 && cout % 8 === 0 && simdKernelsAvailable();

/** Output pixels per block of the forward conv: inside a block, every group of 8 output channels runs in turn. */
const CONV_BLOCK_PIXELS = 256;

/**
 * Conv2D forward from the padded input xp [N,Hp,Wp,Cin] and filter [kh,kw,Cin,Cout] with strides (sh, sw) and
 * no dilation: y [N,Ho,Wo,Cout]. Requires Cout % 8 = 0 (`conv2dFits` says where it is also the faster kernel).
 */
export function conv2dForward(
  backend: tf.KernelBackend,
  xp: TensorInfo,
  filter: TensorInfo,
  sh: number,
  sw: number,
  ho: number,
  wo: number,
): TensorInfo {
  const b = wasmHeap(backend);
  const [n, hp, wp, cin] = xp.shape as [number, number, number, number];
  const [kh, kw, fin, cout] = filter.shape as [number, number, number, number];
  if (fin !== cin || cin === 0 || cout % 8 !== 0 || !simdKernelsAvailable()) {
    throw new Error(`nfx simd conv2d: channels ${cin}→${cout} unsupported`);
  }
  const geometry: ConvGeometry = [n, hp, wp, cin, ho, wo, cout, kh, kw, sh, sw];
  checkPaddedInput("conv2d", geometry);
  const out = b.makeOutput([n, ho, wo, cout], "float32");
  if (n * ho * wo === 0) return out;
  const packed = b.makeOutput([kh * kw * cin * cout], "float32");
  try {
    const k = kernelsFor(b);
    k.packFilter(heapOffset(b, filter), heapOffset(b, packed), kh * kw * cin, cout);
    const [xAt, packedAt, outAt] = [heapOffset(b, xp), heapOffset(b, packed), heapOffset(b, out)];
    // 1×1 stride 1 unpadded: pixel q of y reads pixel q of x, no row walk (convgrad's conv1x1).
    if (kh * kw * sh * sw === 1 && hp === ho && wp === wo)
      k.conv1x1(xAt, packedAt, outAt, n * ho * wo, cin, cout, CONV_BLOCK_PIXELS);
    else k.conv2d(xAt, packedAt, outAt, ...geometry, CONV_BLOCK_PIXELS);
  } finally {
    b.disposeData(packed.dataId);
  }
  return out;
}

/**
 * x [N,H,W,C] (float32) zero-padded by top/bottom rows and left/right columns, and to `cOut` ≥ C channels, as a
 * new tensor; x itself when there is nothing to pad. Row copies in wasm, where tfjs's PadV2 loops per element.
 */
export function padNHWC(
  backend: tf.KernelBackend,
  x: TensorInfo,
  top: number,
  bottom: number,
  left: number,
  right: number,
  cOut: number = x.shape[3] as number,
): TensorInfo {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  if (top === 0 && bottom === 0 && left === 0 && right === 0 && cOut === c) return x;
  if (cOut < c) throw new Error(`nfx padNHWC: ${cOut} channels < ${c}`);
  const b = wasmHeap(backend);
  const out = b.makeOutput([n, top + h + bottom, left + w + right, cOut], "float32");
  const size = out.shape.reduce((p, d) => p * d, 1);
  if (size === 0) return out;
  if (n * h * w * c === 0) {
    zeroFill(b, out, size);
    return out;
  }
  kernelsFor(b).padNHWC(heapOffset(b, x), heapOffset(b, out), n, h, w, c, top, bottom, left, right, cOut);
  return out;
}

/** out [cols] = scale · (column sums of x viewed as [rows, cols]), float32; `outShape` must hold cols elements. */
export function columnSum(
  backend: tf.KernelBackend,
  x: TensorInfo,
  rows: number,
  cols: number,
  scale: number,
  outShape: number[],
): TensorInfo {
  const b = wasmHeap(backend);
  const out = b.makeOutput(outShape, "float32");
  if (cols === 0) return out;
  if (rows === 0) {
    zeroFill(b, out, cols); // nothing to sum: 0, for the mean too (what tfjs's cpu backend returns)
    return out;
  }
  kernelsFor(b).columnSum(heapOffset(b, x), heapOffset(b, out), rows, cols, scale);
  return out;
}

/**
 * x [..., rows, cols] with its last two axes swapped, for 32-bit tensors (float32, int32), or null where nfx's
 * kernels do not run. Blocked, where tfjs's wasm Transpose loops per element.
 */
export function transposeLastTwo(backend: tf.KernelBackend, x: TensorInfo): TensorInfo | null {
  if (x.shape.length < 2 || (x.dtype !== "float32" && x.dtype !== "int32") || !simdKernelsAvailable()) return null;
  const b = wasmHeap(backend);
  const shape = x.shape;
  const [rows, cols] = shape.slice(-2) as [number, number];
  const batch = shape.slice(0, -2).reduce((p, d) => p * d, 1);
  const out = b.makeOutput([...shape.slice(0, -2), cols, rows], x.dtype);
  if (batch * rows * cols === 0) return out;
  kernelsFor(b).transpose2d(heapOffset(b, x), heapOffset(b, out), batch, rows, cols);
  return out;
}

/** GELU's tanh form, y = ½x(1 + tanh(c(x + a x³))): c = √(2/π) (jax.nn.gelu's default) and a, as the WAT has them. */
export const GELU_TANH_C = Math.sqrt(2 / Math.PI);
export const GELU_A = 0.044715;

/**
 * GELU (tanh form) of x, or with `dy` its gradient dy·GELU'(x), in one pass (float32). The kernel takes groups of 4
 * values; the last n mod 4 are computed here.
 */
export function geluTanh(backend: tf.KernelBackend, x: TensorInfo, dy?: TensorInfo): TensorInfo {
  const b = wasmHeap(backend);
  const out = b.makeOutput(x.shape, "float32");
  const n = x.shape.reduce((p, d) => p * d, 1);
  if (n === 0) return out;
  const [xAt, outAt] = [heapOffset(b, x), heapOffset(b, out)];
  const dyAt = dy === undefined ? 0 : heapOffset(b, dy);
  const k = kernelsFor(b);
  if (dy === undefined) k.geluForward(xAt, outAt, n);
  else k.geluBackward(xAt, dyAt, outAt, n);
  const heap = heapF32(b);
  for (let i = n - (n % 4); i < n; i++) {
    const v = heap[xAt / 4 + i] as number;
    const t = Math.tanh(GELU_TANH_C * (v + GELU_A * v * v * v));
    heap[outAt / 4 + i] =
      dy === undefined
        ? 0.5 * v * (1 + t)
        : (heap[dyAt / 4 + i] as number) *
          (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * GELU_TANH_C * (1 + 3 * GELU_A * v * v));
  }
  return out;
}

// ---- convgrad: the strided-output conv (backprop-input by phases) and the filter gradient ----

/** Where conv2dScatter writes: byte steps between horizontally adjacent output pixels, output rows, and images. */
export interface ScatterSteps {
  pix: number;
  row: number;
  image: number;
}

/**
 * The forward conv (packed filter, as conv2dForward packs it) of the window of a padded input that starts at heap
 * byte `xpAt` (image stride hp·wp·Cin floats), output pixel [n, oy, ox] written at outAt + n·image + oy·row + ox·pix
 * bytes (channels contiguous). No checks: the caller (wasmStridedInputGrad.ts) keeps every read and write inside
 * its tensors. Requires Cout % 8 = 0 and at least one output pixel.
 */
export function conv2dScatter(
  backend: tf.KernelBackend,
  xpAt: number,
  packedAt: number,
  outAt: number,
  geometry: ConvGeometry,
  steps: ScatterSteps,
): void {
  const k = kernelsFor(wasmHeap(backend));
  const [n, hp, wp, cin, ho, wo, cout, kh, kw, sh, sw] = geometry;
  const dense = steps.pix === cout * 4 && steps.row === wo * steps.pix && steps.image === ho * steps.row;
  if (dense && kh * kw * sh * sw === 1 && hp === ho && wp === wo) {
    k.conv1x1(xpAt, packedAt, outAt, n * ho * wo, cin, cout, CONV_BLOCK_PIXELS);
  } else k.conv2dScatter(xpAt, packedAt, outAt, ...geometry, CONV_BLOCK_PIXELS, steps.pix, steps.row, steps.image);
}

/** kw·Cin rounded up to 4: the receptive-field run length conv2dFilterGrad computes per tap row. */
export const filterGradRunPad = (kw: number, cin: number): number => Math.ceil((kw * cin) / 4) * 4;

/**
 * Conv2D's filter gradient from the padded input xp [N,Hp,Wp,Cin] and dy [N,Ho,Wo,Cout] with strides (sh, sw), as
 * [kh, filterGradRunPad(kw, Cin), Cout]: row i holds dW[i] as [kw·Cin, Cout], then the padding values (garbage).
 * Any Cin; Cout % 8 = 0; xp must hold each output pixel's run rounded up: Wp·Cin ≥ (Wo−1)·sw·Cin + runPad.
 */
export function conv2dFilterGrad(
  backend: tf.KernelBackend,
  xp: TensorInfo,
  dy: TensorInfo,
  kh: number,
  kw: number,
  sh: number,
  sw: number,
): TensorInfo {
  const b = wasmHeap(backend);
  const [n, hp, wp, cin] = xp.shape as [number, number, number, number];
  const [, ho, wo, cout] = dy.shape as [number, number, number, number];
  if (cin === 0 || cout % 8 !== 0 || !simdKernelsAvailable()) {
    throw new Error(`nfx simd conv2dFilterGrad: channels ${cin}→${cout} unsupported`);
  }
  const run = filterGradRunPad(kw, cin);
  const geometry: ConvGeometry = [n, hp, wp, cin, ho, wo, cout, kh, kw, sh, sw];
  checkPaddedInput("conv2dFilterGrad", geometry);
  if (wo > 0 && wp * cin < (wo - 1) * sw * cin + run) {
    throw new Error(`nfx simd conv2dFilterGrad: padded width ${wp} too small for runs of ${run}`);
  }
  const out = b.makeOutput([kh, run, cout], "float32");
  if (n * ho * wo === 0 || cout === 0) zeroFill(b, out, kh * run * cout);
  else
    kernelsFor(b).conv2dFilterGradRuns(
      heapOffset(b, xp),
      heapOffset(b, dy),
      heapOffset(b, out),
      ...geometry,
      blockRows(ho, wo),
    );
  return out;
}
