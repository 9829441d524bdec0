// Grouped convolution: tfjs has no op for it. NFNets use group width 128.
import { tf } from "./tf.js";

/**
 * Convolution with `groups` groups: x [N,H,W,Cin], w [kh,kw,Cin/groups,Cout] (HWIO, as TensorFlow's grouped conv).
 * Each group of Cin/groups input channels produces Cout/groups output channels.
 */
export function groupedConv2d(
  x: tf.Tensor4D,
  w: tf.Tensor4D,
  strides: number,
  pad: "same" | "valid",
  groups: number,
): tf.Tensor4D {
  if (groups === 1) return tf.conv2d(x, w, strides, pad) as tf.Tensor4D;
  const cin = x.shape[3];
  const cout = w.shape[3];
  if (cin % groups !== 0 || cout % groups !== 0) {
    throw new Error(`grouped conv: channels ${cin}→${cout} not divisible by ${groups} groups`);
  }
  if (w.shape[2] * groups !== cin) {
    throw new Error(`grouped conv: filter has ${w.shape[2]} inputs per group, expected ${cin / groups}`);
  }
  return tf.tidy(() => {
    const xs = tf.split(x, groups, 3) as tf.Tensor4D[];
    const ws = tf.split(w, groups, 3);
    const ys = xs.map((xg, g) => tf.conv2d(xg, ws[g] as tf.Tensor4D, strides, pad) as tf.Tensor4D);
    return tf.concat(ys, 3);
  });
}
