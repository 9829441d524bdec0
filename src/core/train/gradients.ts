// The gradient of a logical batch, computed in micro-batches. A normalizer-free network has no op that mixes
// examples, so the size-weighted mean of micro-batch gradients is exactly the full-batch gradient — and AGC,
// weight decay and the optimizer then act once, on that accumulated gradient (never per micro-batch).
import type { PhaseClock } from "../engine/bench/phaseProfile.js";
import { tf } from "../engine/tf.js";
import type { Model } from "../models/types.js";
import { softCrossEntropy } from "./loss.js";

export interface BatchGradient {
  /** Mean loss over the logical batch. */
  loss: tf.Scalar;
  /** One gradient per variable, in `vars` order. */
  grads: tf.Tensor[];
}

/**
 * Loss and gradient of the mean loss over [x, targets] with respect to `vars`, accumulated over micro-batches of
 * `micro` examples (the last one may be smaller; each is weighted by its size). Dropout and stochastic-depth masks
 * depend on (seed, example index in [x]) only, so the result does not depend on `micro` beyond float summation
 * order. Call inside tf.tidy.
 * @throws Error when `micro` is not a positive integer (0 would never advance), the batch is empty, or x and targets
 * disagree on the batch size.
 */
export function batchGradient(
  model: Model,
  vars: readonly tf.Variable[],
  x: tf.Tensor4D,
  targets: tf.Tensor2D,
  opts: {
    micro: number;
    smoothing: number;
    seed: number;
    /** Called after each micro-batch (progress for very long logical batches). */
    onMicroBatch?: (done: number, total: number) => void;
    /** Profiling: told when each micro-batch's forward pass and backward pass begin. */
    clock?: PhaseClock;
  },
): BatchGradient {
  const n = x.shape[0];
  if (!Number.isInteger(opts.micro) || opts.micro < 1) {
    throw new Error(`batchGradient: micro must be a positive integer, got ${opts.micro}`);
  }
  if (n < 1) throw new Error("batchGradient: the batch has no example");
  if (targets.shape[0] !== n) {
    throw new Error(`batchGradient: ${n} images but ${targets.shape[0]} targets`);
  }
  let sum: tf.Tensor[] | null = null;
  let loss: tf.Scalar = tf.scalar(0);
  for (let start = 0; start < n; start += opts.micro) {
    const m = Math.min(opts.micro, n - start);
    const xm = m === n ? x : x.slice([start, 0, 0, 0], [m, -1, -1, -1]);
    const tm = m === n ? targets : targets.slice([start, 0], [m, -1]);
    opts.clock?.mark("forward");
    const { value, grads } = tf.variableGrads(() => {
      // Masks are keyed by the example's index in the logical batch, so any split draws the same ones.
      const logits = model.apply(xm, { training: true, seed: opts.seed, exampleOffset: start });
      const microLoss = softCrossEntropy(logits, tm, opts.smoothing).mul(m / n) as tf.Scalar;
      opts.clock?.mark("backward");
      return microLoss;
    }, vars as tf.Variable[]);
    const list = vars.map((v) => grads[v.name] as tf.Tensor);
    // Free each micro-batch's gradients and the previous partial sums now, not at the caller's tidy: otherwise
    // memory grows with the number of micro-batches (NFNet-F0: 286 MB per gradient copy) instead of following
    // the micro-batch.
    const previous = sum as tf.Tensor[] | null;
    sum = previous ? previous.map((s, i) => s.add(list[i] as tf.Tensor)) : list;
    if (previous) tf.dispose([...previous, ...list]);
    const lossBefore = loss;
    loss = loss.add(value);
    tf.dispose([lossBefore, value]);
    if (xm !== x) tf.dispose([xm, tm]);
    opts.onMicroBatch?.(Math.ceil((start + m) / opts.micro), Math.ceil(n / opts.micro));
  }
  return { loss, grads: sum ?? [] };
}
