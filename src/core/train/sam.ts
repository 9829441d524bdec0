// Sharpness-Aware Minimization, the paper's cheaper variant: the ascent gradient comes from a fraction of the
// batch (20%), then the descent gradient of the whole batch is taken at the perturbed weights.
import { scaledGlobalNorm } from "../agc/agc.js";
import { tf } from "../engine/tf.js";

/**
 * Moves the weights to w + ρ·g/‖g‖ (‖·‖ the global norm over all of `ascentGrads`) and returns how to move them
 * back. The step is computed as (g/m)·(ρ/‖g/m‖) with m = max|g|, so huge or tiny gradients neither overflow nor
 * vanish; an all-zero gradient moves nothing.
 * @throws Error when ρ is not a finite number > 0 or the lists differ in length.
 */
export function samAscend(vars: readonly tf.Variable[], ascentGrads: readonly tf.Tensor[], rho: number): () => void {
  if (!(Number.isFinite(rho) && rho > 0)) throw new Error(`samAscend: rho must be a finite number > 0, got ${rho}`);
  if (vars.length !== ascentGrads.length) {
    throw new Error(`samAscend: ${vars.length} variables but ${ascentGrads.length} gradients`);
  }
  const eps = tf.tidy(() => {
    // AGC's overflow-safe global norm, ‖g‖ = m·unitNorm with m = max|g| floored at a normal float32, so that
    // all-zero gradients divide to 0 and move nothing.
    const { scale: m, unitNorm } = scaledGlobalNorm(ascentGrads);
    const factor = tf.scalar(rho).div(unitNorm.maximum(1e-30));
    return ascentGrads.map((g) => g.div(m).mul(factor));
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
