// Square resizing for decoded images: centre-crop to the shorter side, then resample separably with area averaging
// when shrinking (no aliasing from skipped pixels) and bilinear interpolation when enlarging.

/** For each output index, the source indices and weights that produce it along one axis. */
interface AxisTaps {
  start: Int32Array;
  count: Int32Array;
  index: Int32Array;
  weight: Float32Array;
}

function axisTaps(srcOffset: number, srcLen: number, dstLen: number): AxisTaps {
  const scale = srcLen / dstLen;
  const indices: number[] = [];
  const weights: number[] = [];
  const start = new Int32Array(dstLen);
  const count = new Int32Array(dstLen);
  for (let o = 0; o < dstLen; o++) {
    start[o] = indices.length;
    if (scale >= 1) {
      // The output pixel covers [a, b) of the source: average it, weighting partly covered pixels by coverage.
      const a = o * scale;
      const b = (o + 1) * scale;
      for (let i = Math.floor(a); i < Math.ceil(b) && i < srcLen; i++) {
        const overlap = Math.min(b, i + 1) - Math.max(a, i);
        if (overlap > 0) {
          indices.push(srcOffset + i);
          weights.push(overlap / scale);
        }
      }
    } else {
      const centre = (o + 0.5) * scale - 0.5;
      const i0 = Math.floor(centre);
      const f = centre - i0;
      indices.push(
        srcOffset + Math.min(Math.max(i0, 0), srcLen - 1),
        srcOffset + Math.min(Math.max(i0 + 1, 0), srcLen - 1),
      );
      weights.push(1 - f, f);
    }
    count[o] = indices.length - (start[o] as number);
  }
  return { start, count, index: Int32Array.from(indices), weight: Float32Array.from(weights) };
}

/**
 * Resizes an RGBA or RGB image (`srcChannels` interleaved bytes per pixel, `width`×`height`) to `side`×`side`
 * with `dstChannels` ≤ srcChannels output channels (extra source channels such as alpha are dropped).
 */
export function resizeSquare(
  src: Uint8Array,
  width: number,
  height: number,
  srcChannels: number,
  side: number,
  dstChannels: number,
): Uint8Array {
  const m = Math.min(width, height);
  const xTaps = axisTaps(Math.floor((width - m) / 2), m, side);
  const yTaps = axisTaps(Math.floor((height - m) / 2), m, side);
  // Horizontal pass over every source row the vertical pass can touch (all rows; cheap next to decoding).
  const rows = new Float32Array(height * side * dstChannels);
  for (let y = 0; y < height; y++) {
    const srcRow = y * width * srcChannels;
    const outRow = y * side * dstChannels;
    for (let x = 0; x < side; x++) {
      const s = xTaps.start[x] as number;
      const n = xTaps.count[x] as number;
      for (let c = 0; c < dstChannels; c++) {
        let acc = 0;
        for (let t = s; t < s + n; t++) {
          acc += (xTaps.weight[t] as number) * (src[srcRow + (xTaps.index[t] as number) * srcChannels + c] as number);
        }
        rows[outRow + x * dstChannels + c] = acc;
      }
    }
  }
  const out = new Uint8Array(side * side * dstChannels);
  const rowLen = side * dstChannels;
  for (let y = 0; y < side; y++) {
    const s = yTaps.start[y] as number;
    const n = yTaps.count[y] as number;
    for (let k = 0; k < rowLen; k++) {
      let acc = 0;
      for (let t = s; t < s + n; t++)
        acc += (yTaps.weight[t] as number) * (rows[(yTaps.index[t] as number) * rowLen + k] as number);
      out[y * rowLen + k] = acc <= 0 ? 0 : acc >= 255 ? 255 : Math.round(acc);
    }
  }
  return out;
}
