// LARS: layer-wise adaptive rate scaling (You, Gitman, Ginsburg 2017, "Large Batch Training of Convolutional
// Networks", arXiv:1708.03888, Algorithm 1) — the optimizer the NFNets paper compares AGC with (§4.1, claim 7).
// For each weight tensor W with (clipped) gradient G, at global learning rate γ (nfx's schedule):
//     λ = η·‖W‖ / (‖G‖ + β·‖W‖)          (local LR; η = trust coefficient, β = weight decay; ‖·‖ Frobenius)
//     v ← μ·v + γ·λ·(G + β·W)
//     W ← W − v
// Gains, biases and skip gains are excluded, the usual practice since (no trust ratio, no decay): v ← μ·v + γ·G.
// Where ‖W‖ = 0 or ‖G‖ = 0 the ratio is 1 (as in TensorFlow's LARSOptimizer), so a zero-initialised tensor can move.
// Momentum is heavy-ball, with γ inside the buffer, as in Algorithm 1.
import { fusedLarsAvailable, fusedLarsUpdate } from "../engine/ops/fusedOptim.js";
import { tf } from "../engine/tf.js";
import { type Optimizer, type OptimizerSettings, type SlotGroup, zeroSlots } from "./optimizer.js";

export class Lars implements Optimizer {
  private readonly buffers: tf.Variable[];

  constructor(
    private readonly vars: readonly tf.Variable[],
    /** Per variable: whether it is a weight (trust ratio and decay) or a gain, bias or skip gain (neither). */
    private readonly adapt: readonly boolean[],
    private readonly opts: Pick<OptimizerSettings, "momentum" | "weightDecay" | "trust">,
  ) {
    this.buffers = zeroSlots(vars);
  }

  get slots(): readonly SlotGroup[] {
    return [{ prefix: "momentum", vars: this.buffers }];
  }

  apply(grads: readonly tf.Tensor[], lr: number): void {
    const { momentum: mu, weightDecay: wd, trust } = this.opts;
    if (fusedLarsAvailable([...this.vars, ...grads])) {
      // One kernel call for every variable: the ops below in float32, the norms' sums in another order.
      const settings = { momentum: mu, lr, trust, weightDecay: wd, adapt: this.adapt };
      tf.tidy(() => {
        fusedLarsUpdate(this.vars, grads, this.buffers, settings).forEach(([w, v], i) => {
          (this.buffers[i] as tf.Variable).assign(v);
          (this.vars[i] as tf.Variable).assign(w);
        });
      });
      return;
    }
    this.vars.forEach((w, i) => {
      tf.tidy(() => {
        let g = grads[i] as tf.Tensor;
        let rate: tf.Tensor = tf.scalar(lr);
        if (this.adapt[i]) {
          const wNorm = tf.norm(w);
          const gNorm = tf.norm(g);
          const ratio = wNorm.mul(trust).div(gNorm.add(wNorm.mul(wd)));
          const usable = tf.logicalAnd(wNorm.greater(0), gNorm.greater(0));
          rate = tf.where(usable, ratio, tf.onesLike(ratio)).mul(lr);
          if (wd > 0) g = g.add(w.mul(wd));
        }
        const buf = this.buffers[i] as tf.Variable;
        const v = buf.mul(mu).add(g.mul(rate));
        buf.assign(v);
        w.assign(w.sub(v));
      });
    });
  }

  dispose(): void {
    for (const b of this.buffers) b.dispose();
  }
}
