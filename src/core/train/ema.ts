// Exponential moving average of the weights (paper: decay 0.99999 over ~112k steps). Evaluation swaps the
// averages in and the raw weights back out, so training never sees them.
import { tf } from "../engine/tf.js";

export class WeightEma {
  private readonly shadows: tf.Variable[];

  constructor(
    private readonly vars: readonly tf.Variable[],
    private readonly decay: number,
  ) {
    this.shadows = vars.map((v) => tf.tidy(() => tf.variable(v.clone(), false)));
  }

  /** The averaged weights, one per variable, in the variables' order (a checkpoint saves and restores them). */
  get averages(): readonly tf.Variable[] {
    return this.shadows;
  }

  update(): void {
    tf.tidy(() => {
      this.vars.forEach((v, i) => {
        const s = this.shadows[i] as tf.Variable;
        s.assign(s.mul(this.decay).add(v.mul(1 - this.decay)));
      });
    });
  }

  /** Runs `fn` with the averaged weights in place of the raw ones. */
  withAveraged<T>(fn: () => T): T {
    const raw = this.vars.map((v) => v.clone());
    this.vars.forEach((v, i) => {
      v.assign(this.shadows[i] as tf.Variable);
    });
    try {
      return fn();
    } finally {
      this.vars.forEach((v, i) => {
        v.assign(raw[i] as tf.Tensor);
      });
      for (const r of raw) r.dispose();
    }
  }

  dispose(): void {
    for (const s of this.shadows) s.dispose();
  }
}
