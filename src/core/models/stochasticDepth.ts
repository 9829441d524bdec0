// Stochastic depth (`base.StochDepth`): drop a sample's whole residual branch with probability `rate` while
// training. No 1/keep rescaling, as in the official NFNets.
import { tf } from "../engine/tf.js";

export function stochasticDepth(x: tf.Tensor4D, rate: number, training: boolean, seed: number): tf.Tensor4D {
  if (!training || rate <= 0) return x;
  const r = tf.randomUniform([x.shape[0], 1, 1, 1], 0, 1, "float32", seed);
  // floor(keep + r) is 1 with probability keep, else 0.
  const mask = tf.floor(tf.add(r, 1 - rate));
  return tf.mul(x, mask) as tf.Tensor4D;
}
