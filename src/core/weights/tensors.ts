// The in-memory form of a weights file: named float32 tensors in row-major (C) order, whatever the file held.

/** One tensor: `shape` (row-major, [] for a scalar) and its values, `data.length` = product of `shape`. */
export interface HostTensor {
  shape: number[];
  data: Float32Array;
}

/** Named tensors in file order (a Map keeps insertion order). */
export type TensorSet = Map<string, HostTensor>;

/** Elements of a tensor of `shape` (1 for a scalar). */
export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** `[a,b,c]`, as shapes are written in errors. */
export function shapeText(shape: readonly number[]): string {
  return `[${shape.join(",")}]`;
}
