// The shortcut's 2×2/2 average pool with 'SAME' padding (`nfnet.NFBlock`: hk.avg_pool(window 2, stride 2, 'SAME')):
// each output is the mean of the window's pixels that lie inside the image, so on an odd size the last row and
// column average 2 pixels (1 at the corner), not 4 with zeros. tfjs's own avgPool(…, "same") computes that mean
// forward, but its gradient (cpu and wasm backends, tfjs 4.x) spreads every window's gradient over 4 pixels: an edge
// pixel gets dy/4 instead of dy/2. That broke NFNet gradients on odd feature maps (found by the differential test
// against PyTorch, test/models/torchDifferential.test.ts: 21% off in the blocks before a strided one). Here the pool
// is written as pad → 'valid' pool → per-window rescale, whose gradients tfjs gets right.
import { tf } from "../engine/tf.js";

/**
 * x: [N, H, W, C] → [N, ⌈H/2⌉, ⌈W/2⌉, C], each output the mean of the in-image pixels of its 2×2 window (stride 2,
 * 'SAME': an odd size pads one row/column at the end, not counted). Differentiable, with the exact gradient
 * (dy / number of in-image pixels of the window, to each of them). Call inside tf.tidy.
 */
export function avgPool2x2Same(x: tf.Tensor4D): tf.Tensor4D {
  const [, h, w] = x.shape;
  const padH = h % 2;
  const padW = w % 2;
  if (padH === 0 && padW === 0) return tf.avgPool(x, 2, 2, "valid");
  const oh = (h + padH) / 2;
  const ow = (w + padW) / 2;
  // The 'valid' pool of the zero-padded input divides by 4; a window with k in-image pixels needs 4/k more.
  const rescale = new Float32Array(oh * ow);
  for (let i = 0; i < oh; i++) {
    const rows = padH && i === oh - 1 ? 1 : 2;
    for (let j = 0; j < ow; j++) rescale[i * ow + j] = 4 / (rows * (padW && j === ow - 1 ? 1 : 2));
  }
  const padded = tf.pad(x, [
    [0, 0],
    [0, padH],
    [0, padW],
    [0, 0],
  ]);
  return tf.mul(tf.avgPool(padded, 2, 2, "valid"), tf.tensor4d(rescale, [1, oh, ow, 1])) as tf.Tensor4D;
}
