// A calibrated training throughput: what a sweep's time is estimated from when the store holds no similar run. One
// worker's images/s for a run's model and input at the micro-batch its run would use (the micro-batch calibration's
// own pick, train/microBatch.ts), on this machine and backend, over a few optimizer steps of the run's own config;
// cached per (host, backend, model, input, micro-batch, timed batch) in the cache directory, like that calibration.
// A cached rate is measured again when the machine's load has changed since (stillValid).
// AGC's granularity is not part of the key: it costs ≈5% of a step (docs/timings.md), less than the machine's swing.
// Steps: the run's input shape, the model and its micro-batch, then the cached rate or a few timed steps.
import os from "node:os";
import { ensureCacheDir, readCacheEntries, writeCacheEntry } from "../core/base/cacheDir.js";
import { canonicalJson } from "../core/config/hash.js";
import type { RunConfig } from "../core/config/schema.js";
import { datasetFacts } from "../core/data/datasets.js";
import { availableCores } from "../core/engine/backend/backend.js";
import { benchCase } from "../core/engine/bench/bench.js";
import { tf } from "../core/engine/tf.js";
import { buildModel, resolveModelSpec } from "../core/models/index.js";
import { costKey, type Throughput } from "../core/sweep/estimate.js";
import { chooseMicroBatch } from "../core/train/microBatch.js";
import { createTrainer } from "../core/train/step.js";

/**
 * A few steps after an untimed one (kernel set-up, first-use allocations): the median of up to 6 steps or 1.5 s,
 * enough to size a sweep within the ±20% that the load of a shared machine swings by, cheap next to any sweep.
 */
const TIMING = { warmup: 1, maxReps: 6, minTimeMs: 1500, profileMemory: false } as const;

/**
 * A timed step is the run's own (its micro-batches accumulated into one update) up to 4 micro-batches of at most 256
 * images: a BatchNorm model's micro-batch is its whole batch (microBatch.ts), and a 1024-image BatchNorm step takes
 * seconds on a CPU, while its cost per image hardly changes with the micro-batch.
 */
const MAX_MICRO = 256;
const MAX_MICROS_PER_STEP = 4;

const CACHE_FILE = "throughput.json";

/** A cached measurement: the rate, and the machine's 1-minute load average when it was taken. */
interface CacheEntry {
  imagesPerS: number;
  load: number;
}

/** The machine's 1-minute load average (0 where the platform has none). */
function loadNow(): number {
  return os.loadavg()[0] ?? 0;
}

/**
 * Whether a cached measurement still describes this machine: a rate taken while other work held the cores is not
 * this machine's rate once that work has gone, nor the other way round. Half the cores of difference is the swing
 * the measurement itself tolerates.
 */
function stillValid(entry: CacheEntry | undefined): entry is CacheEntry {
  if (!entry || !(entry.imagesPerS > 0) || typeof entry.load !== "number") return false;
  return Math.abs(loadNow() - entry.load) <= availableCores() / 2;
}

/** Step 1: the run's input (height, width, channels) and classes, from the dataset's facts and the config. */
export function inputOf(cfg: RunConfig): { shape: [number, number, number]; classes: number } {
  const facts = datasetFacts(cfg.data.name);
  if (!facts) throw new Error(`data.name ${cfg.data.name}: not a dataset nfx knows`);
  const side = (facts.readsImageSize ? cfg.data.image_size : null) ?? facts.imageSize;
  const data = cfg.data as Record<string, unknown>;
  const classes = typeof data.num_classes === "number" ? data.num_classes : (facts.classes ?? 10);
  return { shape: [side, side, facts.channels], classes };
}

/** Step 3: optimizer steps of the run's batch (capped, see MAX_MICRO) timed, the median, as images per second. */
async function timeSteps(cfg: RunConfig, model: ReturnType<typeof buildModel>, classes: number, chosen: number) {
  const [h, w, c] = inputOf(cfg).shape;
  const micro = Math.min(chosen, MAX_MICRO);
  const n = Math.min(cfg.train.batch_size, MAX_MICROS_PER_STEP * micro);
  const result = await benchCase(
    {
      name: "throughput",
      kind: "step",
      flops: 0,
      images: n,
      setup: () => {
        const trainer = createTrainer(cfg, model, classes, micro);
        const x = tf.randomNormal([n, h, w, c], 0, 1, "float32", 1) as tf.Tensor4D;
        const y = tf.tensor1d(
          Array.from({ length: n }, (_, i) => i % classes),
          "int32",
        );
        let step = 0;
        return {
          // A tiny learning rate: the timed steps must not blow the weights up (a NaN step can run faster).
          run: () => trainer.step(x, y, step++, 1e-6).values,
          dispose: () => {
            tf.dispose([x, y]);
            trainer.dispose();
          },
        };
      },
    },
    TIMING,
  );
  return result.imagesPerSec ?? 0;
}

/**
 * One worker's training throughput for `cfg`'s runs on the current backend (`backend`, its concrete name): the
 * cached measurement, else a few steps timed now and cached. The backend must be initialised.
 */
export async function calibratedThroughput(cfg: RunConfig, backend: string): Promise<Throughput> {
  const { shape, classes } = inputOf(cfg);
  const model = buildModel(resolveModelSpec(cfg.model), { numClasses: classes, inputShape: shape, seed: 0 });
  try {
    const { micro } = await chooseMicroBatch(cfg, model, shape, classes, backend);
    const key = canonicalJson({
      method: 1,
      host: os.hostname(),
      backend,
      cost: costKey(cfg),
      classes,
      micro,
      batch: Math.min(cfg.train.batch_size, MAX_MICROS_PER_STEP * Math.min(micro, MAX_MICRO)),
    });
    const cached = readCacheEntries<CacheEntry>(CACHE_FILE)[key];
    if (stillValid(cached)) return { ...cached, micro, cached: true };
    const load = loadNow();
    const imagesPerS = await timeSteps(cfg, model, classes, micro);
    ensureCacheDir();
    writeCacheEntry<CacheEntry>(CACHE_FILE, key, { imagesPerS, load });
    return { imagesPerS, load, micro, cached: false };
  } finally {
    model.dispose();
  }
}
