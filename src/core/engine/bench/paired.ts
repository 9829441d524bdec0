// Two cases timed in alternation, for the cost of one thing over another (AGC's over a step without it): timed one
// after the other, a drift in the machine's speed (another process, the clock, the heap) between the two runs
// becomes a difference between them — `nfx bench training` printed "AGC adds −16.0%" that way. Alternating calls
// (A B, then B A, so neither always goes first) puts each pair under the same conditions, and the spread of the
// pairs' ratios says how far the difference is from noise.
import { tf } from "../tf.js";
import { type BenchCase, type BenchOptions, type BenchResult, benchResult, sync } from "./bench.js";

/** Fewest pairs timed: with 9, the median's distribution-free 95% interval runs from the 2nd to the 8th ratio. */
export const MIN_PAIRS = 9;

export interface PairedBench {
  a: BenchResult;
  b: BenchResult;
  /** Per pair, b's time over a's (dimensionless), in the order timed. */
  ratios: number[];
}

/** Untimed calls of a setup case; the first measures its peak tensor memory (tf.profile), as benchCase does. */
async function warmUp(run: () => tf.TensorContainer, calls: number): Promise<number | null> {
  let peak: number | null = null;
  for (let i = 0; i < calls; i++) {
    if (i === 0)
      peak = (
        await tf.profile(() => {
          sync(run());
        })
      ).peakBytes;
    else sync(run());
  }
  return peak;
}

/**
 * Times `a` and `b` in alternating pairs on the current backend: at least MIN_PAIRS pairs, then until
 * `opts.minTimeMs` is spent, at most max(MIN_PAIRS, opts.maxReps) pairs; `opts.warmup` untimed calls of each first.
 * `clock` (ms) is performance.now; tests give one that the cases advance.
 */
export async function benchPaired(
  a: BenchCase,
  b: BenchCase,
  opts: BenchOptions,
  clock: () => number = () => performance.now(),
): Promise<PairedBench> {
  const sa = a.setup();
  const sb = b.setup();
  try {
    const peakA = await warmUp(sa.run, Math.max(1, opts.warmup));
    const peakB = await warmUp(sb.run, Math.max(1, opts.warmup));
    const times: [number[], number[]] = [[], []];
    let peakRss = process.memoryUsage().rss;
    const start = clock();
    const maxPairs = Math.max(MIN_PAIRS, opts.maxReps);
    for (let pair = 0; pair < maxPairs; pair++) {
      const order = pair % 2 === 0 ? [0, 1] : [1, 0];
      for (const i of order) {
        const t0 = clock();
        sync((i === 0 ? sa : sb).run());
        times[i]?.push(clock() - t0);
      }
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      if (pair + 1 >= MIN_PAIRS && clock() - start >= opts.minTimeMs) break;
    }
    const [ta, tb] = times;
    return {
      a: benchResult(a, ta, peakA, peakRss),
      b: benchResult(b, tb, peakB, peakRss),
      ratios: tb.map((t, i) => t / (ta[i] as number)),
    };
  } finally {
    sa.dispose();
    sb.dispose();
  }
}
