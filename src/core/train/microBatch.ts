// Choosing the micro-batch a logical batch is computed in. On a CPU, large batches run far below the per-image
// speed of small ones; `auto` measures a few sizes once per (machine, backend, model, input) and caches the
// fastest per image that fits the memory bound.
import os from "node:os";
import { readCacheEntries, writeCacheEntry } from "../base/cacheDir.js";
import { canonicalJson } from "../config/hash.js";
import type { RunConfig } from "../config/schema.js";
import { tf } from "../engine/tf.js";
import type { Model } from "../models/types.js";
import { batchGradient } from "./gradients.js";

export interface MicroBatchChoice {
  micro: number;
  /** How it was chosen; `checkpoint`: the micro-batch of the checkpoint a resumed run continues from (checkpoint.ts). */
  source: "config" | "calibrated" | "cached" | "full-batch" | "checkpoint";
  /** Calibration measurements (images/s, peak bytes) when calibrated now or cached. */
  measured?: { micro: number; imagesPerS: number; peakBytes: number }[];
  /** BatchNorm statistics are computed per micro-batch (ghost batch norm): recorded on the run and in figures. */
  ghostBatchNorm: boolean;
}

/** Activation memory a calibration candidate may use. */
const MEMORY_BOUND_BYTES = 4 * 1024 ** 3;
const CANDIDATES = [8, 16, 32, 64, 128, 256];
const MIN_REPS = 2;
const MIN_MS = 200;

const CACHE_FILE = "microbatch.json";

type Measured = NonNullable<MicroBatchChoice["measured"]>;

interface CacheEntry {
  /** Largest micro-batch the calibration was allowed to try. */
  maxMicro: number;
  /** Whether it stopped at the knee (larger sizes were slower), which makes it valid for any batch. */
  knee: boolean;
  measured: Measured;
}

/** Times one gradient computation per candidate micro-batch on random inputs (weights are not changed). */
export async function calibrate(
  model: Model,
  inputShape: readonly [number, number, number],
  numClasses: number,
  maxMicro: number,
): Promise<CacheEntry> {
  const vars = model.params.map((p) => p.variable);
  const out: Measured = [];
  for (const micro of CANDIDATES.filter((c) => c <= maxMicro)) {
    const x = tf.randomNormal([micro, ...inputShape], 0, 1, "float32", micro) as tf.Tensor4D;
    const t = tf.oneHot(tf.zeros([micro], "int32"), numClasses).toFloat() as tf.Tensor2D;
    const step = () =>
      tf.tidy(() => {
        const g = batchGradient(model, vars, x, t, { micro, smoothing: 0, seed: 0 });
        g.loss.dataSync();
      });
    // Warm-up (kernel set-up, first-use allocations), profiled for the peak bytes of tensors one step holds.
    const before = tf.memory().numBytes;
    const peakBytes = Math.max(0, (await tf.profile(step)).peakBytes - before);
    const t0 = performance.now();
    // At least MIN_REPS calls and MIN_MS per candidate: enough to rank sizes, cheap next to a short run (a fixed
    // 256 images per candidate cost a 100-step run a third of its time).
    let reps = 0;
    while (reps < MIN_REPS || (performance.now() - t0 < MIN_MS && reps * micro < 256)) {
      step();
      reps++;
    }
    const imagesPerS = (reps * micro * 1000) / (performance.now() - t0);
    x.dispose();
    t.dispose();
    out.push({ micro, imagesPerS, peakBytes });
    const best = Math.max(...out.map((m) => m.imagesPerS));
    if (imagesPerS < 0.8 * best) return { maxMicro, knee: true, measured: out }; // past the knee
  }
  return { maxMicro, knee: false, measured: out };
}

function bestOf(measured: Measured, batch: number): number {
  const fit = measured.filter((m) => m.micro <= batch && m.peakBytes <= MEMORY_BOUND_BYTES);
  const best = fit.reduce((a, b) => (b.imagesPerS > a.imagesPerS ? b : a), fit[0] ?? { micro: batch, imagesPerS: 0 });
  return best.micro;
}

/**
 * The micro-batch for a run. Explicit numbers are used as given (for BatchNorm models that means ghost batch norm,
 * recorded). `auto` never splits a BatchNorm model's batch (that would change what it computes) and otherwise
 * picks the calibrated fastest size, from the cache when this machine has measured this model before.
 */
export async function chooseMicroBatch(
  cfg: RunConfig,
  model: Model,
  inputShape: readonly [number, number, number],
  numClasses: number,
  backend: string,
): Promise<MicroBatchChoice> {
  const batch = cfg.train.batch_size;
  const hasBatchNorm = model.state.length > 0;
  if (cfg.train.micro_batch !== "auto") {
    const micro = Math.min(cfg.train.micro_batch, batch);
    return { micro, source: "config", ghostBatchNorm: hasBatchNorm && micro < batch };
  }
  if (hasBatchNorm) return { micro: batch, source: "full-batch", ghostBatchNorm: false };
  // `method` versions the measurement: entries of method 1 recorded peakBytes 0 (bytes left after a step, not its
  // peak), so they would pass any memory bound; they are measured again.
  const key = canonicalJson({ method: 2, host: os.hostname(), backend, model: cfg.model, inputShape, numClasses });
  const cached = readCacheEntries<CacheEntry>(CACHE_FILE)[key];
  if (cached && (cached.knee || cached.maxMicro >= Math.min(batch, 256))) {
    return {
      micro: bestOf(cached.measured, batch),
      source: "cached",
      measured: cached.measured,
      ghostBatchNorm: false,
    };
  }
  const entry = await calibrate(model, inputShape, numClasses, Math.min(batch, 256));
  writeCacheEntry(CACHE_FILE, key, entry);
  return {
    micro: bestOf(entry.measured, batch),
    source: "calibrated",
    measured: entry.measured,
    ghostBatchNorm: false,
  };
}
