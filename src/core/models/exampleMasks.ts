// Random masks drawn per example: the draws for example i depend only on (seed, i), never on which other examples
// share the tensor. A logical batch computed in micro-batches (example i at row i − start of the micro-batch that
// starts at `start`) therefore gets exactly the masks the whole batch would get, so the split is an execution
// detail. Drawn in JavaScript (the data pipeline's seeded mulberry32, one stream per example), hence identical on
// every backend.
import { Rng } from "../base/random.js";
import { tf } from "../engine/tf.js";

/**
 * `perExample` uniforms in [0, 1) for each of `count` examples, the first being example `firstExample` of the
 * logical batch: a Float32Array laid out [count, perExample]. Example i's values are a pure function of
 * (seed, i, perExample).
 * @throws Error when `firstExample`, `count` or `perExample` is not a non-negative integer.
 */
export function exampleUniforms(seed: number, firstExample: number, count: number, perExample: number): Float32Array {
  for (const [name, v] of [
    ["exampleOffset", firstExample],
    ["count", count],
    ["perExample", perExample],
  ] as const) {
    if (!Number.isInteger(v) || v < 0)
      throw new Error(`exampleUniforms: ${name} must be a non-negative integer, got ${v}`);
  }
  const out = new Float32Array(count * perExample);
  for (let k = 0; k < count; k++) {
    const rng = new Rng(seed, firstExample + k); // the stream of example firstExample + k, whatever the split
    for (let j = 0; j < perExample; j++) out[k * perExample + j] = rng.next();
  }
  return out;
}

/**
 * Inverted dropout on [N, F] features with a mask per example: each feature is kept with probability 1 − rate and
 * scaled by 1/(1 − rate) (as tf.dropout and the official `hk.dropout`), else zeroed. Row k is example
 * `exampleOffset + k` of the logical batch.
 * @throws Error when `rate` is not in [0, 1).
 */
export function exampleDropout(x: tf.Tensor2D, rate: number, seed: number, exampleOffset = 0): tf.Tensor2D {
  if (!(rate >= 0 && rate < 1)) throw new Error(`dropout rate must be in [0, 1), got ${rate}`);
  if (rate === 0) return x;
  const [n, f] = x.shape;
  const u = exampleUniforms(seed, exampleOffset, n, f);
  const keepScale = 1 / (1 - rate);
  for (let i = 0; i < u.length; i++) u[i] = (u[i] as number) >= rate ? keepScale : 0;
  return tf.mul(x, tf.tensor2d(u, [n, f])) as tf.Tensor2D;
}
