// MixUp (Zhang et al. 2018) and CutMix (Yun et al. 2019) on a batch, with soft targets. The paper's recipe uses
// both (one per batch). Seeded: the mixing is a pure function of (seed, step).
import { Rng } from "../base/random.js";
import { tf } from "../engine/tf.js";

/** Gamma(shape, 1) by Marsaglia–Tsang; shape < 1 via the boost Gamma(shape+1)·U^(1/shape). */
function gamma(rng: Rng, shape: number): number {
  if (shape < 1) return gamma(rng, shape + 1) * rng.next() ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = rng.normal();
    const v = (1 + c * x) ** 3;
    if (v <= 0) continue;
    const u = rng.next();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

/**
 * A Beta(a, b) draw in (0, 1).
 * @throws Error when a or b is not a finite positive number (the rejection sampler would never accept).
 */
export function sampleBeta(rng: Rng, a: number, b: number): number {
  for (const [name, v] of [
    ["a", a],
    ["b", b],
  ] as const) {
    if (!(Number.isFinite(v) && v > 0)) throw new Error(`sampleBeta: ${name} must be a finite number > 0, got ${v}`);
  }
  const x = gamma(rng, a);
  return x / (x + gamma(rng, b));
}

export interface MixOptions {
  mixup: number;
  cutmix: number;
}

/**
 * Mixes a batch with its reverse (example i with example n−1−i). Returns new tensors: images and soft targets.
 * With both α > 0, each batch picks one of the two with probability ½; λ and the CutMix box are a pure function of
 * (seed, step), the pairing a function of the example's index in the logical batch.
 * @throws Error when an α is negative or not finite, or both are 0.
 */
export function mixBatch(
  x: tf.Tensor4D,
  targets: tf.Tensor2D,
  opts: MixOptions,
  seed: number,
  step: number,
): { x: tf.Tensor4D; targets: tf.Tensor2D; kind: "mixup" | "cutmix" } {
  for (const key of ["mixup", "cutmix"] as const) {
    const a = opts[key];
    if (!(Number.isFinite(a) && a >= 0)) throw new Error(`mixBatch: ${key} must be a finite number ≥ 0, got ${a}`);
  }
  if (opts.mixup === 0 && opts.cutmix === 0) throw new Error("mixBatch: mixup or cutmix must be > 0");
  const rng = new Rng(seed, 0x6d6978, step);
  const useCutmix = opts.cutmix > 0 && (opts.mixup <= 0 || rng.next() < 0.5);
  const alpha = useCutmix ? opts.cutmix : opts.mixup;
  let lam = sampleBeta(rng, alpha, alpha);
  return tf.tidy(() => {
    const xr = x.reverse(0);
    const tr = targets.reverse(0);
    if (!useCutmix) {
      return {
        x: x.mul(lam).add(xr.mul(1 - lam)) as tf.Tensor4D,
        targets: mixTargets(targets, tr, lam),
        kind: "mixup",
      };
    }
    const [, h, w] = x.shape;
    const cutH = Math.round(h * Math.sqrt(1 - lam));
    const cutW = Math.round(w * Math.sqrt(1 - lam));
    const cy = rng.int(h);
    const cx = rng.int(w);
    const y0 = Math.max(0, cy - Math.floor(cutH / 2));
    const y1 = Math.min(h, cy + Math.ceil(cutH / 2));
    const x0 = Math.max(0, cx - Math.floor(cutW / 2));
    const x1 = Math.min(w, cx + Math.ceil(cutW / 2));
    const mask = new Float32Array(h * w);
    for (let i = y0; i < y1; i++) mask.fill(1, i * w + x0, i * w + x1);
    // λ is the fraction of the image that stays the example's own after clipping the box to the image.
    lam = 1 - ((y1 - y0) * (x1 - x0)) / (h * w);
    const m = tf.tensor4d(mask, [1, h, w, 1]);
    const mixed = x.mul(tf.scalar(1).sub(m)).add(xr.mul(m)) as tf.Tensor4D;
    return { x: mixed, targets: mixTargets(targets, tr, lam), kind: "cutmix" };
  });
}

function mixTargets(a: tf.Tensor2D, b: tf.Tensor2D, lam: number): tf.Tensor2D {
  return a.mul(lam).add(b.mul(1 - lam)) as tf.Tensor2D;
}
