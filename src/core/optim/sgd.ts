// SGD with (Nesterov) momentum, with weight decay added to the gradient of weights only, after clipping — the
// order of the official code (optim.py): clip → + wd·w → momentum → step.
// `nesterov: false` is heavy-ball momentum here. The official SGD tests `opt_params['nesterov'] is not None`, so
// its nesterov=False still runs Nesterov; only its None (the default of the class) is heavy-ball. The official
// experiments all pass True, nfx's default.
// A step at lr 0 (the schedule's step 0) leaves the weights as they are but not the buffers: v takes that step's
// g + wd·w, and the next step's update carries μ·v (train/schedule.ts).
import { fusedSgdAvailable, fusedSgdUpdate } from "../engine/ops/fusedOptim.js";
import { tf } from "../engine/tf.js";
import type { Optimizer, SlotGroup } from "./optimizer.js";

export interface SgdOptions {
  momentum: number;
  nesterov: boolean;
  weightDecay: number;
}

export class Sgd implements Optimizer {
  private readonly buffers: tf.Variable[];

  constructor(
    private readonly vars: readonly tf.Variable[],
    /** Per variable: whether weight decay applies (weights yes; gains, biases, skip gains no). */
    private readonly decay: readonly boolean[],
    private readonly opts: SgdOptions,
  ) {
    // Inside tidy: a variable keeps its own copy, so the initial zeros are freed.
    this.buffers = vars.map((v) => tf.tidy(() => tf.variable(tf.zerosLike(v), false)));
  }

  /** The momentum buffers v, one per variable, in the variables' order (a checkpoint saves and restores them). */
  get slots(): readonly SlotGroup[] {
    return [{ prefix: "momentum", vars: this.buffers }];
  }

  /** One step: v ← μ·v + g;  w ← w − lr·(g + μ·v) (Nesterov) or w − lr·v. */
  apply(grads: readonly tf.Tensor[], lr: number): void {
    const { momentum: mu, nesterov, weightDecay } = this.opts;
    if (fusedSgdAvailable([...this.vars, ...grads])) {
      // One kernel call for every variable: the same float32 operations as the ops below, in the same order.
      const decay = this.vars.map((_, i) => (weightDecay > 0 && this.decay[i] ? weightDecay : 0));
      tf.tidy(() => {
        const next = fusedSgdUpdate(this.vars, grads, this.buffers, { momentum: mu, lr, nesterov, decay });
        next.forEach(([w, v], i) => {
          (this.buffers[i] as tf.Variable).assign(v);
          (this.vars[i] as tf.Variable).assign(w);
        });
      });
      return;
    }
    // One tidy per variable: temporaries are freed as we go, so the update costs a few copies of the largest
    // tensor rather than of the whole model.
    this.vars.forEach((w, i) => {
      tf.tidy(() => {
        let g = grads[i] as tf.Tensor;
        if (weightDecay > 0 && this.decay[i]) g = g.add(w.mul(weightDecay));
        const buf = this.buffers[i] as tf.Variable;
        const v = buf.mul(mu).add(g);
        buf.assign(v);
        const update = nesterov ? g.add(v.mul(mu)) : v;
        w.assign(w.sub(update.mul(lr)));
      });
    });
  }

  dispose(): void {
    for (const b of this.buffers) b.dispose();
  }
}
