// Tensor layouts between frameworks. nfx (tfjs) and the official Haiku code store conv kernels HWIO
// [kh, kw, cin/groups, cout] and dense kernels [in, out]; PyTorch (timm) stores conv kernels OIHW
// [cout, cin/groups, kh, kw] and linear weights [out, in]. Both are row-major.
import { type HostTensor, shapeText } from "./tensors.js";

function need(t: HostTensor, rank: number, what: string): void {
  if (t.shape.length !== rank)
    throw new Error(`${what}: expected a rank-${rank} tensor, got shape ${shapeText(t.shape)}`);
}

/** Permutes a rank-4 row-major tensor: output axis k is input axis perm[k]. */
function permute4(t: HostTensor, perm: [number, number, number, number]): HostTensor {
  const [s0, s1, s2, s3] = t.shape as [number, number, number, number];
  const inStrides = [s1 * s2 * s3, s2 * s3, s3, 1];
  const dims = [s0, s1, s2, s3];
  const [n0, n1, n2, n3] = perm.map((p) => dims[p] as number) as [number, number, number, number];
  const [a0, a1, a2, a3] = perm.map((p) => inStrides[p] as number) as [number, number, number, number];
  const out = new Float32Array(t.data.length);
  let k = 0;
  for (let a = 0; a < n0; a++)
    for (let b = 0; b < n1; b++)
      for (let c = 0; c < n2; c++)
        for (let d = 0; d < n3; d++) out[k++] = t.data[a * a0 + b * a1 + c * a2 + d * a3] as number;
  return { shape: [n0, n1, n2, n3], data: out };
}

/** OIHW [cout, cin, kh, kw] → HWIO [kh, kw, cin, cout]. @throws Error for another rank. */
export function oihwToHwio(t: HostTensor): HostTensor {
  need(t, 4, "OIHW conv kernel");
  return permute4(t, [2, 3, 1, 0]);
}

/** HWIO [kh, kw, cin, cout] → OIHW [cout, cin, kh, kw]. @throws Error for another rank. */
export function hwioToOihw(t: HostTensor): HostTensor {
  need(t, 4, "HWIO conv kernel");
  return permute4(t, [3, 2, 0, 1]);
}

/** [rows, cols] → [cols, rows]: PyTorch's linear [out, in] ↔ tfjs's dense [in, out]. @throws Error for another rank. */
export function transpose2d(t: HostTensor): HostTensor {
  need(t, 2, "dense kernel");
  const [r, c] = t.shape as [number, number];
  const out = new Float32Array(t.data.length);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = t.data[i * c + j] as number;
  return { shape: [c, r], data: out };
}

/** The same values under another shape of the same size (e.g. timm's gain [c,1,1,1] ↔ nfx's [c]). */
export function reshapeTo(t: HostTensor, shape: number[]): HostTensor {
  const n = shape.reduce((a, b) => a * b, 1);
  if (n !== t.data.length) throw new Error(`cannot reshape ${shapeText(t.shape)} to ${shapeText(shape)}`);
  return { shape, data: t.data };
}
