// A split held in memory as one uint8 buffer: examples are views into it, so selecting a subset or a train/test
// split costs an index array, never a copy of pixels.
import type { Example, Normalization, Split } from "./types.js";

export interface ImageTable {
  /** All images back to back, HWC uint8. */
  images: Uint8Array;
  labels: Uint8Array;
  imageShape: readonly [number, number, number];
}

export class MemorySplit implements Split {
  readonly size: number;
  readonly imageShape: readonly [number, number, number];
  private readonly pixelsPerImage: number;

  /** `indices` picks (and orders) the table rows this split exposes; omitted: all rows in order. */
  constructor(
    private readonly table: ImageTable,
    readonly normalization: Normalization,
    private readonly indices?: Uint32Array,
  ) {
    this.imageShape = table.imageShape;
    this.pixelsPerImage = table.imageShape[0] * table.imageShape[1] * table.imageShape[2];
    this.size = indices ? indices.length : table.labels.length;
  }

  read(i: number): Example {
    if (!Number.isInteger(i) || i < 0 || i >= this.size) {
      throw new RangeError(`example index ${i} is out of range for a split of ${this.size}`);
    }
    const row = this.indices ? (this.indices[i] as number) : i;
    const start = row * this.pixelsPerImage;
    return {
      image: this.table.images.subarray(start, start + this.pixelsPerImage),
      label: this.table.labels[row] as number,
    };
  }

  /** The first n examples (n ≥ size: this split). */
  head(n: number): MemorySplit {
    if (n >= this.size) return this;
    const rows = new Uint32Array(n);
    for (let i = 0; i < n; i++) rows[i] = this.indices ? (this.indices[i] as number) : i;
    return new MemorySplit(this.table, this.normalization, rows);
  }
}

/**
 * Per-channel mean and std of pixel/255 over the given rows of a table (all rows when omitted). `maxRows` bounds
 * the cost on large tables by using evenly spaced rows, which estimates the statistics to well under 1%.
 */
export function tableNormalization(table: ImageTable, rows?: Uint32Array, maxRows?: number): Normalization {
  const c = table.imageShape[2];
  const ppi = table.imageShape[0] * table.imageShape[1] * c;
  // Histograms per channel: exact, and one integer increment per pixel instead of float accumulation.
  const hist = new Uint32Array(c * 256);
  const available = rows ? rows.length : table.labels.length;
  const n = maxRows != null ? Math.min(maxRows, available) : available;
  const stride = available / Math.max(n, 1);
  const { images } = table;
  for (let j = 0; j < n; j++) {
    const k = Math.floor(j * stride);
    const start = (rows ? (rows[k] as number) : k) * ppi;
    for (let ch = 0; ch < c; ch++) {
      const base = ch << 8;
      const end = start + ppi;
      for (let p = start + ch; p < end; p += c) hist[base | (images[p] as number)]++;
    }
  }
  const mean: number[] = [];
  const std: number[] = [];
  for (let ch = 0; ch < c; ch++) {
    let count = 0;
    let sum = 0;
    let sumSq = 0;
    for (let v = 0; v < 256; v++) {
      const h = hist[(ch << 8) | v] as number;
      const x = v / 255;
      count += h;
      sum += h * x;
      sumSq += h * x * x;
    }
    const m = count > 0 ? sum / count : 0;
    const variance = count > 0 ? sumSq / count - m * m : 0;
    mean.push(m);
    // A constant channel would divide by zero; 1 leaves it merely centred.
    std.push(variance > 1e-12 ? Math.sqrt(variance) : 1);
  }
  return { mean, std };
}
