// Softmax cross-entropy with label smoothing, the training loss, with a hand-written gradient.
import { tf } from "../engine/tf.js";

/**
 * Mean softmax cross-entropy against (possibly soft) targets [N, K], with label smoothing (paper: 0.1):
 * t = targets·(1−s) + s/K,  L = −(1/N)·Σ_n Σ_k t_nk·log softmax(z)_nk,
 * and its gradient by the logits written out, dL/dz_nk = (softmax(z)_nk·Σ_j t_nj − t_nk)/N: one tape node, where
 * autodiff through the log-softmax takes about 20 small kernels. The targets are constants (no gradient).
 */
export function softCrossEntropy(logits: tf.Tensor2D, targets: tf.Tensor2D, smoothing: number): tf.Scalar {
  return tf.tidy(() => {
    const [n, k] = logits.shape;
    const target = smoothing > 0 ? targets.mul(1 - smoothing).add(smoothing / k) : targets;
    // customGrad passes the inputs and then the save function in one untyped rest list.
    const loss = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const [z, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
      // log-softmax written out (logits − logsumexp): the wasm backend has no LogSoftmax kernel.
      const logp = z.sub(z.logSumExp(1, true));
      save([logp, target]); // kept for the backward pass, which runs after this tidy has ended
      return {
        value: target.mul(logp).sum(1).neg().mean() as tf.Scalar,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
          tf.tidy(() => {
            const [logp, t] = saved as [tf.Tensor2D, tf.Tensor2D];
            return tf.exp(logp).mul(t.sum(1, true)).sub(t).mul(dy.div(n));
          }),
      };
    });
    return loss(logits) as tf.Scalar;
  });
}

/** Mean softmax cross-entropy with label smoothing, from integer labels. */
export function smoothedCrossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D, smoothing: number): tf.Scalar {
  return tf.tidy(() =>
    softCrossEntropy(logits, tf.oneHot(labels.toInt(), logits.shape[1]).toFloat() as tf.Tensor2D, smoothing),
  );
}
