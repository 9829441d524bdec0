import { tf } from "../engine/tf.js";

/**
 * Mean softmax cross-entropy against (possibly soft) targets [N, K], with label smoothing (paper: 0.1):
 * targets·(1−s) + s/K.
 */
export function softCrossEntropy(logits: tf.Tensor2D, targets: tf.Tensor2D, smoothing: number): tf.Scalar {
  return tf.tidy(() => {
    const k = logits.shape[1];
    const target = smoothing > 0 ? targets.mul(1 - smoothing).add(smoothing / k) : targets;
    // log-softmax written out (logits − logsumexp): the wasm backend has no LogSoftmax kernel.
    const logp = logits.sub(logits.logSumExp(1, true));
    return target.mul(logp).sum(1).neg().mean() as tf.Scalar;
  });
}

/** Mean softmax cross-entropy with label smoothing, from integer labels. */
export function smoothedCrossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D, smoothing: number): tf.Scalar {
  return tf.tidy(() =>
    softCrossEntropy(logits, tf.oneHot(labels.toInt(), logits.shape[1]).toFloat() as tf.Tensor2D, smoothing),
  );
}
