// AGC's cost from paired timings (issue 27 item 19: `nfx bench training` printed "AGC adds −16.0%" from one noisy
// sample). Two cases are timed in alternation, the overhead is the median of the pairs' with a distribution-free 95%
// interval, and an interval that holds 0 is reported as within noise.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { BenchCase } from "../../src/core/engine/bench/bench.js";
import { benchPaired, MIN_PAIRS } from "../../src/core/engine/bench/paired.js";
import { tf } from "../../src/core/engine/tf.js";
import { medianInterval, overheadLine, pairedOverhead } from "../../src/experiments/agcOverhead.js";

describe("the median's distribution-free interval", () => {
  it("takes the order statistics Conover's table gives (n = 9: 2nd and 8th; n = 20: 6th and 15th)", () => {
    const nine = [9, 1, 8, 2, 7, 3, 6, 4, 5];
    assert.deepEqual(medianInterval(nine), { median: 5, ci: [2, 8] });
    const twenty = Array.from({ length: 20 }, (_, i) => i + 1);
    assert.deepEqual(medianInterval(twenty), { median: 10.5, ci: [6, 15] });
    assert.deepEqual(medianInterval([3, 1, 2, 5, 4]), { median: 3, ci: null }, "5 values cannot give 95%");
    assert.deepEqual(medianInterval([1, 2, 3, 4, 5, 6]).ci, [1, 6]);
  });

  it("one noisy sample (the issue's −16.0%) is within noise, and says so", () => {
    const one = pairedOverhead([0.84]);
    assert.ok(Math.abs(one.median + 0.16) < 1e-12);
    assert.equal(one.ci95, null);
    assert.equal(one.withinNoise, true);
    assert.equal(
      overheadLine(one, "a step of 256 images"),
      "AGC adds −16.0% to a step of 256 images (median of 1 paired steps: within noise, no cost measurable here)",
    );
  });

  it("pairs scattered around 1 are within noise; pairs all above are a cost with its interval", () => {
    const noisy = pairedOverhead([0.84, 1.1, 0.97, 1.05, 0.92, 1.2, 1.01, 0.95, 1.08]);
    assert.equal(noisy.withinNoise, true);
    assert.match(
      overheadLine(noisy, "x"),
      /^AGC adds \+1\.0% to x \(median of 9 paired steps, 95% CI −8\.0% to \+10\.0%: within noise/,
    );
    const cost = pairedOverhead([1.05, 1.06, 1.04, 1.07, 1.05, 1.06, 1.05, 1.08, 1.03]);
    assert.equal(cost.withinNoise, false);
    assert.equal(overheadLine(cost, "x"), "AGC adds +5.0% to x (median of 9 paired steps, 95% CI +4.0% to +7.0%)");
  });
});

/** A virtual clock (ms) that the cases below advance: timings without the test machine's own noise. */
let now = 0;
const clock = () => now;

/** A case whose call takes `ms()` milliseconds of the virtual clock. */
function timedCase(name: string, ms: () => number): BenchCase {
  return {
    name,
    kind: "step",
    flops: 0,
    images: 1,
    setup: () => ({
      run: () => {
        now += ms();
        return tf.scalar(0);
      },
      dispose: () => {},
    }),
  };
}

/** Median of `n` calls of a case's run on the virtual clock, the calls timed one after another. */
function sequentialMedian(c: BenchCase, n: number): number {
  const { run } = c.setup();
  const times = Array.from({ length: n }, () => {
    const t0 = now;
    tf.dispose(run());
    return now - t0;
  });
  return medianInterval(times).median;
}

describe("paired timing", () => {
  it("cancels a drift of the machine's speed that timing one case after the other counts as a difference", async () => {
    // Every call is slower than the one before it (a machine that is getting busier); the two cases cost the same.
    let calls = 0;
    const drifting = () => 2 * (1 + 0.05 * calls++);
    const a = timedCase("a", drifting);
    const b = timedCase("b", drifting);
    const seq = sequentialMedian(b, 12) / sequentialMedian(a, 12) - 1;
    assert.ok(seq < -0.3, `one after the other, b looks ${(seq * 100).toFixed(0)}% faster`);
    calls = 0;
    const paired = await benchPaired(a, b, { minTimeMs: 1e9, maxReps: 12, warmup: 1, profileMemory: false }, clock);
    assert.equal(paired.ratios.length, 12);
    const o = pairedOverhead(paired.ratios);
    assert.ok(Math.abs(o.median) < 0.03, `paired median ${o.median}`);
    assert.equal(o.withinNoise, true);
  });

  it("finds a real cost, and times at least MIN_PAIRS pairs", async () => {
    let calls = 0;
    const jitter = () => (calls++ % 3) * 0.1; // a little noise, the same for both
    const paired = await benchPaired(
      timedCase("a", () => 2 + jitter()),
      timedCase("b", () => 3 + jitter()),
      { minTimeMs: 0, maxReps: 1, warmup: 1 },
      clock,
    );
    assert.equal(paired.ratios.length, MIN_PAIRS);
    const o = pairedOverhead(paired.ratios);
    assert.equal(o.withinNoise, false);
    assert.ok(o.median > 0.4 && o.median < 0.6, `median ${o.median}`);
    assert.equal(paired.a.reps, MIN_PAIRS);
    assert.equal(paired.b.case, "b");
  });
});
