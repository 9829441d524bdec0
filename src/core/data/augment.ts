// Pixel placement for one example: standardization through a lookup table, plus the pad-and-random-crop and
// horizontal flip augmentations, fused into a single pass over the output so batch assembly stays a typed-array copy.
import type { Rng } from "../base/random.js";
import type { AugmentOptions, Normalization } from "./types.js";

/**
 * Table of standardized values: entry (ch << 8) | v is (v/255 − mean[ch]) / std[ch]. One lookup per pixel replaces
 * a subtract, a divide and a channel index computation.
 */
export function standardizeTable(norm: Normalization, channels: number): Float32Array {
  const lut = new Float32Array(channels * 256);
  for (let ch = 0; ch < channels; ch++) {
    const mean = norm.mean[ch] ?? 0;
    const std = norm.std[ch] ?? 1;
    for (let v = 0; v < 256; v++) lut[(ch << 8) | v] = (v / 255 - mean) / std;
  }
  return lut;
}

/** Where one example's pixels come from: a crop offset into the padded image, and a mirror flag. */
export interface Placement {
  /** Row and column of the crop's top-left corner in the padded image, in [0, 2·pad]. */
  dy: number;
  dx: number;
  pad: number;
  flip: boolean;
}

export const IDENTITY_PLACEMENT: Placement = { dy: 0, dx: 0, pad: 0, flip: false };

/** Draws one example's augmentation from its own generator (batches() keys it by seed, epoch and position). */
export function drawPlacement(aug: AugmentOptions, rng: Rng): Placement {
  const pad = aug.crop ?? 0;
  const dy = rng.int(2 * pad + 1);
  const dx = rng.int(2 * pad + 1);
  const flipDraw = rng.next() < 0.5;
  return { dy, dx, pad, flip: aug.flip === true && flipDraw };
}

/**
 * Writes `src` (HWC uint8) standardized into `out` at `offset`, cropped and flipped as `place` says. Pixels that
 * fall in the padding get the standardized value of 0 (a black border, as in the usual pad-with-zeros crop).
 */
export function writeExample(
  src: Uint8Array,
  out: Float32Array,
  offset: number,
  shape: readonly [number, number, number],
  lut: Float32Array,
  place: Placement,
): void {
  const [h, w, c] = shape;
  if (place.pad === 0 && !place.flip) {
    const n = h * w * c;
    if (c === 1) {
      for (let p = 0; p < n; p++) out[offset + p] = lut[src[p] as number] as number;
    } else {
      for (let p = 0; p < n; p += c) {
        for (let ch = 0; ch < c; ch++) out[offset + p + ch] = lut[(ch << 8) | (src[p + ch] as number)] as number;
      }
    }
    return;
  }
  const rowLen = w * c;
  const shiftY = place.dy - place.pad;
  const shiftX = place.dx - place.pad;
  for (let y = 0; y < h; y++) {
    const sy = y + shiftY;
    let o = offset + y * rowLen;
    if (sy < 0 || sy >= h) {
      for (let x = 0; x < w; x++) for (let ch = 0; ch < c; ch++) out[o++] = lut[ch << 8] as number;
      continue;
    }
    const srcRow = sy * rowLen;
    for (let x = 0; x < w; x++) {
      const sx = (place.flip ? w - 1 - x : x) + shiftX;
      if (sx < 0 || sx >= w) {
        for (let ch = 0; ch < c; ch++) out[o++] = lut[ch << 8] as number;
      } else {
        const s = srcRow + sx * c;
        for (let ch = 0; ch < c; ch++) out[o++] = lut[(ch << 8) | (src[s + ch] as number)] as number;
      }
    }
  }
}
