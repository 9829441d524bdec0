// Index arithmetic shared by the wasm convolution gradients. A stride-s convolution's gradients are stride-1
// convolutions once the output gradient dy is "dilated" (s-1 zeros between its pixels) or, equivalently, once the
// stride becomes the dilation of the other operand. These helpers compute the paddings that make the shapes line
// up; a padding that comes out negative means "crop", which XNNPACK cannot do, so it is returned separately.
import type { TensorInfo, WasmKernelScope } from "./wasmKernelScope.js";

/** Padding along one spatial axis, split into the non-negative pad XNNPACK applies and a crop done by Slice. */
export interface AxisPad {
  before: number;
  after: number;
  cropBefore: number;
  cropAfter: number;
}

export function splitPad(before: number, after: number): AxisPad {
  return {
    before: Math.max(0, before),
    after: Math.max(0, after),
    cropBefore: Math.max(0, -before),
    cropAfter: Math.max(0, -after),
  };
}

/**
 * Backprop-input along one axis: dx is a stride-1 "full" correlation of the dilated dy (length (out-1)·s+1) with
 * the flipped kernel. `padBefore` is the forward conv's leading pad, `inSize` the forward input length.
 */
export function inputGradAxis(inSize: number, outSize: number, k: number, s: number, padBefore: number): AxisPad {
  const before = k - 1 - padBefore;
  const after = inSize - 1 - (outSize - 1) * s + padBefore;
  return splitPad(before, after);
}

/**
 * Backprop-filter along one axis: dW is a stride-1 correlation of x with dy used as a filter dilated by s; the
 * output must have length k.
 */
export function filterGradAxis(inSize: number, outSize: number, k: number, s: number, padBefore: number): AxisPad {
  const after = k + (outSize - 1) * s - inSize - padBefore;
  return splitPad(padBefore, after);
}

/**
 * Inserts s-1 zeros between the pixels of a NHWC tensor (the transpose of a strided sampling): [N,H,W,C] →
 * [N,(H-1)·sh+1,W…,C]. Done as pad-after on a rank-6 view, then a crop of the trailing zeros, all in wasm.
 */
export function dilateNHWC(s: WasmKernelScope, x: TensorInfo, sh: number, sw: number): TensorInfo {
  if (sh === 1 && sw === 1) return x;
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const v = s.reshape(x, [n, h, 1, w, 1, c]);
  const padded = s.pad(v, [
    [0, 0],
    [0, 0],
    [0, sh - 1],
    [0, 0],
    [0, sw - 1],
    [0, 0],
  ]);
  const flat = s.reshape(padded, [n, h * sh, w * sw, c]);
  return s.slice(flat, [0, 0, 0, 0], [n, (h - 1) * sh + 1, (w - 1) * sw + 1, c]);
}

/** Applies the crop part of two axis pads to the spatial axes of a NHWC tensor. */
export function cropNHWC(s: WasmKernelScope, x: TensorInfo, ph: AxisPad, pw: AxisPad): TensorInfo {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  return s.slice(
    x,
    [0, ph.cropBefore, pw.cropBefore, 0],
    [n, h - ph.cropBefore - ph.cropAfter, w - pw.cropBefore - pw.cropAfter, c],
  );
}

/** The explicit-padding attribute of tfjs conv kernels for two axis pads (crop parts excluded). */
export function explicitPad(
  ph: AxisPad,
  pw: AxisPad,
): [[number, number], [number, number], [number, number], [number, number]] {
  return [
    [0, 0],
    [ph.before, ph.after],
    [pw.before, pw.after],
    [0, 0],
  ];
}

/**
 * One phase of a stride-s backprop-input along one axis: the dx positions y with (y + pad) mod s = r meet only the
 * filter taps i ≡ r (mod s), so dx[s·u + r − pad] = Σ_{t<taps} dy[u − t] · W[s·t + r] for u in [first, first+count).
 */
export interface AxisPhase {
  r: number;
  /** ⌈(k − r)/s⌉ taps (0 when r ≥ k: those dx positions are zeros). */
  taps: number;
  first: number;
  count: number;
  /** dx position of u = first. */
  dxStart: number;
}

/**
 * The s phases of a backprop-input along one axis (forward input length `inSize`, output `outSize`, kernel k,
 * stride s, leading pad), and the zero rows dy needs before and after so that every phase's correlation window
 * dy[u − taps + 1 .. u] lies inside it: phase r's window then starts at padded row first − taps + 1 + before.
 */
export function axisPhases(
  inSize: number,
  outSize: number,
  k: number,
  s: number,
  padBefore: number,
): { phases: AxisPhase[]; before: number; after: number } {
  const phases: AxisPhase[] = [];
  let [before, after] = [0, 0];
  for (let r = 0; r < s; r++) {
    const taps = r < k ? Math.ceil((k - r) / s) : 0;
    const first = Math.ceil((padBefore - r) / s);
    const last = Math.floor((inSize - 1 + padBefore - r) / s);
    const count = Math.max(0, last - first + 1);
    phases.push({ r, taps, first, count, dxStart: s * first + r - padBefore });
    if (taps > 0 && count > 0) {
      before = Math.max(before, taps - 1 - first);
      after = Math.max(after, last - (outSize - 1));
    }
  }
  return { phases, before, after };
}
