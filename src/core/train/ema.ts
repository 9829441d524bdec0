// Exponential moving average of the network: its weights and its state (BatchNorm running statistics), as the
// official code averages both (experiment.py _train_fn: ema_params and ema_states) with utils.py tf1_ema, whose decay
// ramps up from the first step: step t (0-based) uses min(decay, (1 + t)/(10 + t)) — 0.1 at step 0, so early
// averages follow the weights instead of staying at the initialisation for ~1/(1 − decay) steps. The averages
// start as the network at initialisation (the official inits them with the parameters' own rng). Evaluation swaps
// the averages in and the raw values back out, so training never sees them.
import { tf } from "../engine/tf.js";

/** The decay that step `step` (0-based) averages with: official utils.py tf1_ema, min(decay, (1 + t)/(10 + t)). */
export function emaDecayAt(decay: number, step: number): number {
  return Math.min(decay, (1 + step) / (10 + step));
}

export class WeightEma {
  private readonly shadows: tf.Variable[];
  private readonly tracked: readonly tf.Variable[];

  /**
   * @param vars the weights, then (`state`) the network state, averaged alike; `averages` keeps that order.
   * @param decay the decay the ramp rises to (paper: 0.99999).
   */
  constructor(
    vars: readonly tf.Variable[],
    state: readonly tf.Variable[],
    private readonly decay: number,
  ) {
    this.tracked = [...vars, ...state];
    this.shadows = this.tracked.map((v) => tf.tidy(() => tf.variable(v.clone(), false)));
  }

  /**
   * The averages, one per tracked variable: the weights' in their order, then the state's (a checkpoint saves and
   * restores them).
   */
  get averages(): readonly tf.Variable[] {
    return this.shadows;
  }

  /** Folds in the values after optimizer step `step` (0-based): avg ← d·avg + (1 − d)·value, d = emaDecayAt. */
  update(step: number): void {
    const d = emaDecayAt(this.decay, step);
    tf.tidy(() => {
      this.tracked.forEach((v, i) => {
        const s = this.shadows[i] as tf.Variable;
        s.assign(s.mul(d).add(v.mul(1 - d)));
      });
    });
  }

  /** Runs `fn` with the averaged weights and state in place of the raw ones. */
  withAveraged<T>(fn: () => T): T {
    const raw = this.tracked.map((v) => v.clone());
    this.tracked.forEach((v, i) => {
      v.assign(this.shadows[i] as tf.Variable);
    });
    try {
      return fn();
    } finally {
      this.tracked.forEach((v, i) => {
        v.assign(raw[i] as tf.Tensor);
      });
      for (const r of raw) r.dispose();
    }
  }

  dispose(): void {
    for (const s of this.shadows) s.dispose();
  }
}
