import { tf } from "../engine/tf.js";

/** Mean softmax cross-entropy with label smoothing (paper: 0.1), from integer labels. */
export function smoothedCrossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D, smoothing: number): tf.Scalar {
  return tf.tidy(() => {
    const k = logits.shape[1];
    const onehot = tf.oneHot(labels.toInt(), k).toFloat();
    const target = smoothing > 0 ? onehot.mul(1 - smoothing).add(smoothing / k) : onehot;
    // log-softmax written out (logits − logsumexp): the wasm backend has no LogSoftmax kernel.
    const logp = logits.sub(logits.logSumExp(1, true));
    return target.mul(logp).sum(1).neg().mean() as tf.Scalar;
  });
}

/** Number of correct top-1 predictions in a batch. */
export function countCorrect(logits: tf.Tensor2D, labels: tf.Tensor1D): number {
  return tf.tidy(() => logits.argMax(1).equal(labels.toInt()).sum().dataSync()[0] as number);
}
