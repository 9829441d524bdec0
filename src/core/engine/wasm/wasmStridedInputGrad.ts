// Backprop-input of a Conv2D without multiplying zeros. Dilating dy (s−1 zeros between pixels) and running a
// stride-1 conv wastes s² of the work: for a 3×3 stride-2 conv it costs 4× the forward conv. Instead, split dx by
// output phase: the rows y with (y+pad) mod s = r only ever meet the filter taps i ≡ r (mod s), so each phase is a
// stride-1 correlation of the *undilated* dy with the sub-filter W[r::s].
// inputGradScatter (dx with Cin % 8 = 0, nfx's SIMD kernels): each phase is its own conv with its exact taps (2×2,
// 2×1, 1×2, 1×1 for 3×3/2: k² taps in all, the forward conv's work) writing straight to its rows and columns of dx;
// phases without taps (1×1 strided convs: all but one) are zeros. Measured on nf-resnet-micro's 3×3/2 layers
// (batch 64, 1 thread): 2.8/2.4/3.2 ms → 1.8/1.4/1.2 ms, the forward conv 1.6/1.3/1.6 ms.
// Elsewhere (other channel counts, no SIMD) the fallbacks below: all s² phases as one conv (sub-filters zero-padded
// to ⌈k/s⌉ taps, stacked on output channels) and a depth-to-space, ⌈k/s⌉²·s² / k² of the forward work (1.78× for
// 3×3/2); a 1×1 strided conv as a 1×1 conv at dy's resolution, then the zero-interleave, crop and pad.
import type { tf } from "../tf.js";
import { type ConvGeometry, conv2dScatter, simdKernelsAvailable } from "./simdKernels.js";
import { type AxisPhase, axisPhases, cropNHWC, dilateNHWC, explicitPad, splitPad } from "./wasmConvGeometry.js";
import { packedPhaseFilters, phaseFilters } from "./wasmFilterLayout.js";
import { heapOffset, wasmHeap, zeroFill } from "./wasmHeap.js";
import type { TensorInfo, WasmKernelScope } from "./wasmKernelScope.js";

type Shape4 = [number, number, number, number];

/** 1×1 filter, stride (sh, sw): dx = zero-interleave(conv1x1(dy, Wᵀ)), cropped/padded to the input size. */
export function inputGrad1x1Strided(
  s: WasmKernelScope,
  dy: TensorInfo,
  filter: TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): TensorInfo {
  const wt = s.transpose(filter, [0, 1, 3, 2]);
  const g = s.run(
    "Conv2D",
    { x: dy, filter: wt },
    { strides: [1, 1], dilations: [1, 1], pad: "valid", dataFormat: "NHWC" },
  );
  const d = dilateNHWC(s, g, info.strideHeight, info.strideWidth);
  // Row d of the interleaved tensor is input row d − pad.
  const ph = splitPad(
    -info.padInfo.top,
    info.inHeight - ((info.outHeight - 1) * info.strideHeight + 1) + info.padInfo.top,
  );
  const pw = splitPad(
    -info.padInfo.left,
    info.inWidth - ((info.outWidth - 1) * info.strideWidth + 1) + info.padInfo.left,
  );
  return s.zeroPadNHWC(cropNHWC(s, d, ph, pw), ph.before, ph.after, pw.before, pw.after);
}

/** k×k filter, equal strides s > 1: phase decomposition as described above. */
export function inputGradPhases(
  s: WasmKernelScope,
  dy: TensorInfo,
  filter: TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): TensorInfo {
  const st = info.strideHeight;
  const [kh, kw, ci] = filter.shape as Shape4;
  const th = Math.ceil(kh / st);
  const tw = Math.ceil(kw / st);
  const qh = Math.ceil((info.padInfo.top + info.inHeight) / st);
  const qw = Math.ceil((info.padInfo.left + info.inWidth) / st);
  // Sub-filters: W padded to s·T taps, split as [T, s(phase), T, s(phase)], phases moved onto output channels in
  // DepthToSpace's order ((rh·s + rw)·Cin + ci), then flipped spatially (correlation → convolution).
  const wf = s.adopt(phaseFilters(s.backend, filter, st));
  const n = dy.shape[0] as number;
  const ph = splitPad(th - 1, qh - info.outHeight);
  const pw = splitPad(tw - 1, qw - info.outWidth);
  const phases = s.run(
    "Conv2D",
    { x: cropNHWC(s, dy, ph, pw), filter: wf },
    { strides: [1, 1], dilations: [1, 1], pad: explicitPad(ph, pw), dataFormat: "NHWC" },
  ); // [N, qh, qw, s²·Cin]
  // Interleave the phases: [N,qh,qw,s,s,Cin] → [N,qh,s,qw,s,Cin]. This is DepthToSpace, but wasm's DepthToSpace
  // kernel is a scalar loop ≈100× slower than this transpose (332 ms vs 3 ms for 32×17×17×256).
  const six = s.reshape(phases, [n, qh, qw, st, st, ci]);
  const full = s.reshape(s.transpose(six, [0, 1, 3, 2, 4, 5]), [n, qh * st, qw * st, ci]);
  return s.slice(full, [0, info.padInfo.top, info.padInfo.left, 0], [n, info.inHeight, info.inWidth, ci]);
}

/** Where inputGradScatter runs: nfx's SIMD conv writes dx's channels 8 at a time. */
export const inputGradScatterFits = (cin: number): boolean => cin > 0 && cin % 8 === 0 && simdKernelsAvailable();

/**
 * Backprop-input for any stride, kernel and padding (NHWC, undilated; Cin % 8 = 0, see inputGradScatterFits):
 * each phase (rh, rw) is nfx's SIMD conv of a window of the once-padded dy with its own th × tw flipped sub-filter,
 * writing its outputs straight to every s-th row and column of dx. k² taps in all: the forward conv's work, with
 * no zero-padded taps and no interleaving pass. Phases without taps (1×1 strided convs: all but one) are zeros.
 */
export function inputGradScatter(
  s: WasmKernelScope,
  dy: TensorInfo,
  filter: TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): TensorInfo {
  const [n, oh, ow, co] = dy.shape as Shape4;
  const { inHeight: h, inWidth: w, inChannels: ci, filterHeight: kh, filterWidth: kw } = info;
  const ph = axisPhases(h, oh, kh, info.strideHeight, info.padInfo.top);
  const pw = axisPhases(w, ow, kw, info.strideWidth, info.padInfo.left);
  const dyp = s.zeroPadNHWC(dy, ph.before, ph.after, pw.before, pw.after);
  const [hp, wp] = [oh + ph.before + ph.after, ow + pw.before + pw.after];
  const b = wasmHeap(s.backend);
  const dx = s.adopt(b.makeOutput([n, h, w, ci], "float32"));
  const live = (p: AxisPhase) => p.count > 0;
  const empty = (p: AxisPhase) => p.taps === 0 && p.count > 0;
  const noDy = n * oh * ow * co === 0; // then dx is zeros (the kernel assumes at least one output pixel)
  if (noDy || ph.phases.some(empty) || pw.phases.some(empty)) zeroFill(b, dx, n * h * w * ci);
  if (noDy || n * h * w === 0) return dx;
  const taps = (p: AxisPhase) => p.taps;
  const { packed, at } = packedPhaseFilters(s.backend, filter, ph.phases.map(taps), pw.phases.map(taps));
  s.adopt(packed);
  const [dyAt, dxAt, packedAt] = [heapOffset(b, dyp), heapOffset(b, dx), heapOffset(b, packed)];
  const steps = { pix: info.strideWidth * ci * 4, row: info.strideHeight * w * ci * 4, image: h * w * ci * 4 };
  for (const rh of ph.phases.filter(live))
    for (const rw of pw.phases.filter(live)) {
      if (rh.taps === 0 || rw.taps === 0) continue;
      const row = rh.first - rh.taps + 1 + ph.before;
      const col = rw.first - rw.taps + 1 + pw.before;
      const geometry: ConvGeometry = [n, hp, wp, co, rh.count, rw.count, ci, rh.taps, rw.taps, 1, 1];
      conv2dScatter(
        s.backend,
        dyAt + (row * wp + col) * co * 4,
        packedAt + (at[rh.r * info.strideWidth + rw.r] as number) * 4,
        dxAt + (rh.dxStart * w + rw.dxStart) * ci * 4,
        geometry,
        steps,
      );
    }
  return dx;
}
