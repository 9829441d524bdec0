// A small conv net that touches every op family nfx's models train with — strided/odd-size convs, depthwise and
// grouped-style split/concat, pools, squeeze-excite, batch norm, the activations, dropout, pad, label-smoothed
// softmax cross-entropy — so that a gradient a backend lacks shows up here rather than in a sweep.
import { tf } from "../../src/core/engine/tf.js";

export interface TinyNet {
  params: tf.Variable[];
  loss: (x: tf.Tensor4D, labels: tf.Tensor2D, dropoutSeed: number) => tf.Scalar;
}

function gelu(x: tf.Tensor): tf.Tensor {
  return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.div(x, Math.SQRT2))));
}

function silu(x: tf.Tensor): tf.Tensor {
  return tf.mul(x, tf.sigmoid(x));
}

export function tinyNet(seed: number, inChannels: number, classes: number): TinyNet {
  const v = (shape: number[], std: number, i: number) =>
    tf.tidy(() => tf.variable(tf.randomNormal(shape, 0, std, "float32", seed * 100 + i), true, `tiny_${seed}_${i}`));
  const w1 = v([3, 3, inChannels, 8], 0.3, 1);
  const dw = v([3, 3, 8, 2], 0.3, 2);
  const w2 = v([1, 1, 16, 12], 0.3, 3);
  const w3 = v([7, 7, 6, 6], 0.1, 4);
  const gamma = v([12], 0.1, 5);
  const beta = v([12], 0.1, 6);
  const se1 = v([12, 6], 0.3, 7);
  const se2 = v([6, 12], 0.3, 8);
  const fc = v([12, classes], 0.3, 9);
  const bias = v([classes], 0.1, 10);
  const params = [w1, dw, w2, w3, gamma, beta, se1, se2, fc, bias];

  const loss = (x: tf.Tensor4D, labels: tf.Tensor2D, dropoutSeed: number): tf.Scalar =>
    tf.tidy(() => {
      let h: tf.Tensor4D = tf.conv2d(x, w1 as tf.Tensor4D, 2, "same"); // odd input → odd output
      h = tf.elu(h);
      h = tf.depthwiseConv2d(h, dw as tf.Tensor4D, 1, "same");
      h = tf.maxPool(gelu(h) as tf.Tensor4D, 3, 1, "same");
      h = tf.conv2d(h, w2 as tf.Tensor4D, 1, "valid");
      // Batch norm with batch statistics, as the BN baseline trains.
      const { mean, variance } = tf.moments(h, [0, 1, 2]);
      h = tf.batchNorm(h, mean, variance, beta as tf.Tensor1D, gamma.add(1) as tf.Tensor1D, 1e-5) as tf.Tensor4D;
      h = silu(h) as tf.Tensor4D;
      // Grouped-style path: split channels, convolve one half (7×7, explicit pad), concat back.
      const [a, b] = tf.split(h, 2, 3) as [tf.Tensor4D, tf.Tensor4D];
      const bp = tf.pad(b, [
        [0, 0],
        [3, 3],
        [3, 3],
        [0, 0],
      ]);
      const b2 = tf.conv2d(bp, w3 as tf.Tensor4D, 1, "valid");
      h = tf.concat([tf.tanh(a), tf.relu(b2)], 3);
      h = tf.avgPool(h, 2, 2, "valid");
      // Squeeze-excite: 2·σ(FC(relu(FC(mean_hw(h))))) · h.
      const s = tf.mean(h, [1, 2]);
      const gate: tf.Tensor2D = tf.mul(
        2,
        tf.sigmoid(tf.matMul(tf.relu(tf.matMul(s, se1 as tf.Tensor2D)), se2 as tf.Tensor2D)),
      );
      h = tf.mul(h, gate.reshape([-1, 1, 1, 12]));
      const pooled = tf.slice(tf.mean(h, [1, 2]), [0, 0], [-1, 12]);
      const dropped = tf.dropout(pooled, 0.2, undefined, dropoutSeed);
      const logits = tf.add(tf.matMul(dropped, fc as tf.Tensor2D), bias);
      return tf.losses.softmaxCrossEntropy(labels, logits, undefined, 0.1) as tf.Scalar;
    });
  return { params, loss };
}
