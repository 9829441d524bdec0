// The first n examples of a split, for data.train_size / data.test_size.
import type { Example, Normalization, Split } from "./types.js";

class SplitPrefix implements Split {
  readonly imageShape: readonly [number, number, number];
  readonly normalization: Normalization;

  constructor(
    private readonly inner: Split,
    readonly size: number,
  ) {
    this.imageShape = inner.imageShape;
    this.normalization = inner.normalization;
  }

  read(i: number): Example {
    if (!Number.isInteger(i) || i < 0 || i >= this.size) {
      throw new RangeError(`example index ${i} is out of range for a split of ${this.size}`);
    }
    return this.inner.read(i);
  }
}

/** The first n examples of `split`; `split` itself when n is null or covers it. */
export function splitPrefix(split: Split, n: number | null | undefined): Split {
  if (n == null || n >= split.size) return split;
  return new SplitPrefix(split, n);
}
