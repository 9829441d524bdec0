// Nonlinearities with their γ constants baked in (PAPER.md, `base.py`): act(x)·γ has unit second moment when
// x ~ N(0,1), which is what keeps a normalizer-free network variance-preserving at initialization.
import { addBias } from "../engine/ops/biasAdd.js";
import { geluTanhGrad, geluTanhValue } from "../engine/ops/fusedGelu.js";
import { scaledReluApplies, scaledReluFused } from "../engine/ops/scaledRelu.js";
import { tf } from "../engine/tf.js";
import type { ModelForms } from "./spec.js";

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

/**
 * GELU in its exact (erf) form, y = ½x(1 + erf(x/√2)), as PyTorch's `nn.GELU()` and hence timm compute it, with a
 * hand-written gradient dy/dx = ½(1 + erf(x/√2)) + x·φ(x), φ(x) = exp(−x²/2)/√(2π). tfjs's Erf kernel exists
 * on cpu, wasm and tfjs-node (a rational approximation, Abramowitz & Stegun 7.1.26, |error| ≤ 1.5e-7).
 */
const geluErf = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
  save([x]);
  return {
    value: tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1))),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
      tf.tidy(() => {
        const s = saved[0] as tf.Tensor;
        const cdf = tf.mul(tf.add(tf.erf(tf.mul(s, Math.SQRT1_2)), 1), 0.5);
        const pdf = tf.mul(tf.exp(tf.mul(tf.square(s), -0.5)), 1 / Math.sqrt(2 * Math.PI));
        return tf.mul(dy, tf.add(cdf, tf.mul(s, pdf)));
      }),
  };
});

function raw(x: tf.Tensor, name: ActivationName, forms: ModelForms): tf.Tensor {
  switch (name) {
    case "identity":
      return x;
    case "relu":
      return tf.relu(x);
    case "gelu":
      return forms === "timm" ? geluErf(x) : gelu(x);
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
 * function, since BN already renormalizes every layer. `forms` `timm` makes GELU the erf form (ModelForms).
 * `post` multiplies the result further (the NF block's β) and `bias` [C] is added to x first (a conv's bias):
 *   y = act(x + bias)·γ·post.
 * ReLU with a positive scale runs as one fused kernel each way where it can (engine/ops/scaledRelu.ts), the rest
 * as tfjs ops in that order.
 */
export function activate<T extends tf.Tensor>(
  x: T,
  name: ActivationName,
  scaled: boolean,
  forms: ModelForms = "official",
  post = 1,
  bias: tf.Tensor1D | null = null,
): T {
  const gamma = scaled ? ACTIVATION_GAMMA[name] : 1;
  if (name === "relu" && scaledReluApplies(x, bias, gamma * post)) return scaledReluFused(x, bias, gamma * post);
  const y = raw(bias ? addBias(x, bias) : x, name, forms);
  const g = gamma !== 1 ? tf.mul(y, gamma) : y;
  return (post === 1 ? g : tf.mul(g, post)) as T;
}
