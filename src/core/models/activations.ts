// Nonlinearities with their γ constants baked in (PAPER.md, `base.py`): act(x)·γ has unit second moment when
// x ~ N(0,1), which is what keeps a normalizer-free network variance-preserving at initialization.
import { tf } from "../engine/tf.js";

/** γ for each activation; `identity` needs none. */
export const ACTIVATION_GAMMA = {
  identity: 1,
  relu: 1.7139588594436646,
  gelu: 1.7015043497085571,
  silu: 1.7881293296813965,
  elu: 1.2716004848480225,
  tanh: 1.5939117670059204,
  sigmoid: 4.803835391998291,
} as const;

export type ActivationName = keyof typeof ACTIVATION_GAMMA;
export const ACTIVATION_NAMES = Object.keys(ACTIVATION_GAMMA) as ActivationName[];

// √(2/π), for the tanh form of GELU: jax.nn.gelu defaults to it, and γ for gelu was measured with it.
const GELU_TANH_C = Math.sqrt(2 / Math.PI);

function raw(x: tf.Tensor, name: ActivationName): tf.Tensor {
  switch (name) {
    case "identity":
      return x;
    case "relu":
      return tf.relu(x);
    case "gelu": {
      const inner = tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), GELU_TANH_C);
      return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1));
    }
    case "silu":
      return tf.mul(x, tf.sigmoid(x));
    case "elu":
      return tf.elu(x);
    case "tanh":
      return tf.tanh(x);
    case "sigmoid":
      return tf.sigmoid(x);
  }
}

/**
 * Applies an activation. `scaled` multiplies by γ (normalizer-free models); BatchNorm models use the plain
 * function, since BN already renormalizes every layer.
 */
export function activate<T extends tf.Tensor>(x: T, name: ActivationName, scaled: boolean): T {
  const y = raw(x, name);
  const gamma = ACTIVATION_GAMMA[name];
  return (scaled && gamma !== 1 ? tf.mul(y, gamma) : y) as T;
}
