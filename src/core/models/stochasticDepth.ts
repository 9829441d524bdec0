// Stochastic depth (`base.StochDepth`): drop a sample's whole residual branch with probability `rate` while
// training. No 1/keep rescaling, as in the official NFNets. The mask is per example (one draw per sample, as the
// official code's [N,1,1,1] mask), keyed by (seed, example index in the logical batch): see exampleMasks.ts.
import { tf } from "../engine/tf.js";
import { exampleUniforms } from "./exampleMasks.js";

/**
 * x: [N,H,W,C] residual branch; row k is example `exampleOffset + k` of the logical batch. Returns x with each
 * dropped example's branch zeroed (probability `rate`), or x itself when not training or rate is 0.
 * @throws Error when `rate` is not in [0, 1).
 */
export function stochasticDepth(
  x: tf.Tensor4D,
  rate: number,
  training: boolean,
  seed: number,
  exampleOffset = 0,
): tf.Tensor4D {
  const n = x.shape[0];
  const keep = keepMask(n, rate, training, seed, exampleOffset);
  return keep === null ? x : (tf.mul(x, tf.tensor4d(keep, [n, 1, 1, 1])) as tf.Tensor4D);
}

/**
 * The keep mask (1 kept, 0 dropped) of examples exampleOffset … exampleOffset + n − 1, or null when nothing is
 * dropped (not training, or rate 0). @throws Error when `rate` is not in [0, 1).
 */
export function keepMask(
  n: number,
  rate: number,
  training: boolean,
  seed: number,
  exampleOffset = 0,
): Float32Array | null {
  if (!(rate >= 0 && rate < 1)) throw new Error(`stochastic depth rate must be in [0, 1), got ${rate}`);
  if (!training || rate === 0) return null;
  const u = exampleUniforms(seed, exampleOffset, n, 1);
  for (let k = 0; k < n; k++) u[k] = (u[k] as number) >= rate ? 1 : 0;
  return u;
}
