// Sharpness-Aware Minimization, the paper's cheaper variant: the ascent gradient comes from a fraction of the
// batch (20%), then the descent gradient of the whole batch is taken at the perturbed weights.
import { tf } from "../engine/tf.js";

/** Moves the weights to w + ρ·g/‖g‖ and returns how to move them back. */
export function samAscend(vars: readonly tf.Variable[], ascentGrads: readonly tf.Tensor[], rho: number): () => void {
  const eps = tf.tidy(() => {
    const norm = tf
      .addN(ascentGrads.map((g) => g.square().sum()))
      .sqrt()
      .maximum(1e-12);
    return ascentGrads.map((g) => g.mul(rho).div(norm));
  });
  vars.forEach((v, i) => {
    tf.tidy(() => {
      v.assign(v.add(eps[i] as tf.Tensor));
    });
  });
  return () => {
    vars.forEach((v, i) => {
      tf.tidy(() => {
        v.assign(v.sub(eps[i] as tf.Tensor));
      });
    });
    for (const e of eps) e.dispose();
  };
}
