// Measuring a model on a split: top-1 and mean loss, in batches, with a check that its logits are finite. The
// trainer evaluates its test split with it; a stored run's weights (runWeights/runWeights.ts) are evaluated the same way.
import { type Dataset, evalBatches } from "../data/index.js";
import { tf } from "../engine/tf.js";
import type { Model } from "../models/types.js";
import { smoothedCrossEntropy } from "./loss.js";

export interface Evaluation {
  /** Fraction of correct top-1 predictions, in [0, 1]. */
  top1: number;
  /** Mean unsmoothed cross-entropy (nats). */
  loss: number;
  /** Number of examples evaluated. */
  n: number;
  /** False when some logit was NaN or ±Inf, or the loss is not finite: the weights have diverged. */
  finite: boolean;
}

/**
 * Top-1 and mean (unsmoothed) loss on a split, in batches of 500; the first `limit` examples when given;
 * `progress` hears examples done and the total after each batch.
 * @throws Error when the split (or its limit) holds no example: there is nothing to measure.
 */
export function evaluate(
  model: Model,
  dataset: Dataset,
  split: "train" | "test",
  limit: number | null,
  progress?: (done: number, total: number) => void,
): Evaluation {
  const total = Math.min(limit ?? dataset[split].size, dataset[split].size);
  let correct = 0;
  let lossSum = 0;
  let n = 0;
  let finite = true;
  for (const { x, y, size } of evalBatches(dataset[split], 500, limit)) {
    tf.tidy(() => {
      const logits = model.apply(x, { training: false });
      const labels = y.toInt();
      // One read per batch: [correct, loss·size, Σ 0·logits] — the last is NaN iff some logit is not finite.
      const read = tf
        .stack([
          logits.argMax(1).equal(labels).sum().toFloat(),
          smoothedCrossEntropy(logits, y, 0).mul(size),
          logits.mul(0).sum(),
        ])
        .dataSync();
      correct += read[0] as number;
      lossSum += read[1] as number;
      if (read[2] !== 0) finite = false;
    });
    n += size;
    x.dispose();
    y.dispose();
    progress?.(n, total);
  }
  if (n === 0) throw new Error(`the ${split} split has no example to evaluate`);
  const loss = lossSum / n;
  return { top1: correct / n, loss, n, finite: finite && Number.isFinite(loss) };
}
