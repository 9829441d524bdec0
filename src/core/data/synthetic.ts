// A procedural dataset that a small convnet learns in a few hundred steps, for tests and quick experiments.
// Class k is an oriented grating (angle πk/K, random phase and contrast) plus a soft blob at angle 2πk/K on a ring
// around the centre, with pixel noise. The blob makes class means differ (a linear probe already separates them); the
// grating rewards convolutional features. Each image consumes a fixed number of draws, so the first N images of a
// seed are the same whatever the requested size.

import { Rng } from "../base/random.js";
import type { ImageTable } from "./memorySplit.js";
import { MemorySplit, tableNormalization } from "./memorySplit.js";
import type { Dataset } from "./types.js";

export interface SyntheticOptions {
  seed: number;
  trainSize: number;
  testSize: number;
  /** Side of the square images. */
  imageSize: number;
  numClasses: number;
}

export const SYNTHETIC_DEFAULTS = { trainSize: 5000, testSize: 1000, imageSize: 16, numClasses: 10 } as const;

const TRAIN_STREAM = 11;
const TEST_STREAM = 12;

/** Generates `count` images of one split; labels cycle 0..K-1 so every prefix is class-balanced. */
export function generateSyntheticTable(count: number, side: number, numClasses: number, rng: Rng): ImageTable {
  const pixels = side * side;
  const images = new Uint8Array(count * pixels);
  const labels = new Uint8Array(count);
  const centre = (side - 1) / 2;
  const ring = 0.28 * side;
  const blobWidth = 2 * (0.14 * side) ** 2;
  const waveNumber = (2 * Math.PI * 2.5) / side;
  const blobX = new Float64Array(side);
  const blobY = new Float64Array(side);
  const sinX = new Float64Array(side);
  const cosX = new Float64Array(side);
  const sinY = new Float64Array(side);
  const cosY = new Float64Array(side);
  for (let i = 0; i < count; i++) {
    const k = i % numClasses;
    labels[i] = k;
    const angle = (Math.PI * k) / numClasses + 0.04 * (rng.next() - 0.5);
    const phase = 2 * Math.PI * rng.next();
    const contrast = 0.6 + 0.4 * rng.next();
    const ringAngle = (2 * Math.PI * k) / numClasses;
    const bx = centre + ring * Math.cos(ringAngle) + 1.2 * (rng.next() - 0.5);
    const by = centre + ring * Math.sin(ringAngle) + 1.2 * (rng.next() - 0.5);
    const kx = waveNumber * Math.cos(angle);
    const ky = waveNumber * Math.sin(angle);
    // Separable terms, so the per-pixel work is a few multiplies: exp(−(dx²+dy²)/w) = ex[x]·ey[y] and
    // sin(kx·x + ky·y + φ) = sin(kx·x)·cos(ky·y + φ) + cos(kx·x)·sin(ky·y + φ).
    for (let t = 0; t < side; t++) {
      blobX[t] = Math.exp(-((t - bx) ** 2) / blobWidth);
      blobY[t] = Math.exp(-((t - by) ** 2) / blobWidth);
      sinX[t] = Math.sin(kx * t);
      cosX[t] = Math.cos(kx * t);
      sinY[t] = Math.sin(ky * t + phase);
      cosY[t] = Math.cos(ky * t + phase);
    }
    const amplitude = 0.2 * contrast;
    const base = i * pixels;
    for (let y = 0; y < side; y++) {
      const by0 = 0.4 * (blobY[y] as number);
      const sy = amplitude * (sinY[y] as number);
      const cy = amplitude * (cosY[y] as number);
      for (let x = 0; x < side; x++) {
        // Triangular noise in [−1, 1) from the two 16-bit halves of one draw.
        const u = rng.nextUint32();
        const noise = ((u & 0xffff) + (u >>> 16)) / 65536 - 1;
        const v = 0.4 + (cosX[x] as number) * sy + (sinX[x] as number) * cy + by0 * (blobX[x] as number) + 0.12 * noise;
        images[base + y * side + x] = v <= 0 ? 0 : v >= 1 ? 255 : Math.round(v * 255);
      }
    }
  }
  return { images, labels, imageShape: [side, side, 1] };
}

export function loadSynthetic(opts: SyntheticOptions): Dataset {
  const { seed, imageSize, numClasses } = opts;
  const train = generateSyntheticTable(opts.trainSize, imageSize, numClasses, new Rng(seed, TRAIN_STREAM));
  const test = generateSyntheticTable(opts.testSize, imageSize, numClasses, new Rng(seed, TEST_STREAM));
  const normalization = tableNormalization(train);
  return {
    name: "synthetic",
    numClasses,
    imageShape: [imageSize, imageSize, 1],
    normalization,
    source: `synthetic(seed=${seed}, ${imageSize}×${imageSize}, ${numClasses} classes)`,
    train: new MemorySplit(train, normalization),
    test: new MemorySplit(test, normalization),
  };
}
