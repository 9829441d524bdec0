// Adam (Kingma & Ba 2015, arXiv:1412.6980, Algorithm 1), in the form of PyTorch's torch.optim.Adam (1.13,
// `_single_tensor_adam`), against which it is tested (reference/torch_nfx.py): with t = step + 1,
//     g ← G + β·W                    (weights only; β = weight decay, L2 added to the clipped gradient)
//     m ← β1·m + (1 − β1)·g;   v ← β2·v + (1 − β2)·g²
//     W ← W − (γ / (1 − β1^t)) · m / (√v / √(1 − β2^t) + ε)
// With `decoupled` (AdamW, adamw.ts) the decay is not added to g; instead W ← W·(1 − γ·β) first (weights only).
import { fusedAdamAvailable, fusedAdamUpdate } from "../engine/ops/fusedOptim.js";
import { tf } from "../engine/tf.js";
import { type Optimizer, type OptimizerSettings, type SlotGroup, zeroSlots } from "./optimizer.js";

export type AdamSettings = Pick<OptimizerSettings, "beta1" | "beta2" | "eps" | "weightDecay">;

export class Adam implements Optimizer {
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];

  constructor(
    private readonly vars: readonly tf.Variable[],
    /** Per variable: whether weight decay applies (weights yes; gains, biases, skip gains no). */
    private readonly decay: readonly boolean[],
    private readonly opts: AdamSettings,
    /** AdamW's decoupled decay (Loshchilov & Hutter 2019) instead of L2 in the gradient. */
    private readonly decoupled = false,
  ) {
    this.m = zeroSlots(vars);
    this.v = zeroSlots(vars);
  }

  get slots(): readonly SlotGroup[] {
    return [
      { prefix: "adam_m", vars: this.m },
      { prefix: "adam_v", vars: this.v },
    ];
  }

  apply(grads: readonly tf.Tensor[], lr: number, step: number): void {
    const { beta1, beta2, eps, weightDecay: wd } = this.opts;
    const t = step + 1;
    // The bias corrections are scalars of the step, computed in float64 as PyTorch computes them.
    const stepSize = lr / (1 - beta1 ** t);
    const bc2Sqrt = Math.sqrt(1 - beta2 ** t);
    if (fusedAdamAvailable([...this.vars, ...grads])) {
      // One kernel call for every variable: the same float32 operations as the ops below, in the same order.
      const decays = this.vars.map((_, i) => wd > 0 && this.decay[i] === true);
      const settings = {
        beta1,
        beta2,
        eps,
        bc2Sqrt,
        stepSize,
        decay: decays.map((d) => (d && !this.decoupled ? wd : 0)),
        keep: decays.map((d) => (d && this.decoupled ? 1 - lr * wd : 1)),
      };
      tf.tidy(() => {
        fusedAdamUpdate(this.vars, grads, this.m, this.v, settings).forEach(([w, m, v], i) => {
          (this.m[i] as tf.Variable).assign(m);
          (this.v[i] as tf.Variable).assign(v);
          (this.vars[i] as tf.Variable).assign(w);
        });
      });
      return;
    }
    this.vars.forEach((w, i) => {
      tf.tidy(() => {
        let g = grads[i] as tf.Tensor;
        const decays = wd > 0 && this.decay[i];
        if (decays && !this.decoupled) g = g.add(w.mul(wd));
        const m = (this.m[i] as tf.Variable).mul(beta1).add(g.mul(1 - beta1));
        const v = (this.v[i] as tf.Variable).mul(beta2).add(g.square().mul(1 - beta2));
        (this.m[i] as tf.Variable).assign(m);
        (this.v[i] as tf.Variable).assign(v);
        const base = decays && this.decoupled ? w.mul(1 - lr * wd) : w;
        const denom = v.sqrt().div(bc2Sqrt).add(eps);
        w.assign(base.sub(m.div(denom).mul(stepSize)));
      });
    });
  }

  dispose(): void {
    for (const s of [...this.m, ...this.v]) s.dispose();
  }
}
