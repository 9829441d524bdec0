// Nonlinearities with their γ constants baked in (PAPER.md, `base.py`): act(x)·γ has unit second moment when
// x ~ N(0,1), which is what keeps a normalizer-free network variance-preserving at initialization.
import { geluTanhGrad, geluTanhValue } from "../engine/fusedGelu.js";
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

/**
 * GELU (tanh form) with a hand-written gradient. Autodiff through its seven elementwise ops keeps each of their
 * outputs until the backward pass — seven activation-sized tensors per GELU, most of NFNet-F0's activation memory
 * (at 192 px a 2-image micro-batch no longer fitted the 4 GB wasm heap). Here only x is needed:
 *   y = ½x(1 + t),  t = tanh(c(x + a x³)),  dy/dx = ½(1 + t) + ½x(1 − t²)·c(1 + 3a x²).
 */
const gelu = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
  save([x]); // a clone by reference count (nfx's wasm Identity shares data), not a copy
  return {
    value: geluTanhValue(x),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => geluTanhGrad(saved[0] as tf.Tensor, dy),
  };
});

function raw(x: tf.Tensor, name: ActivationName): tf.Tensor {
  switch (name) {
    case "identity":
      return x;
    case "relu":
      return tf.relu(x);
    case "gelu":
      return gelu(x);
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
