// Issue 16: a run that made every step but did not train is `collapsed` (core/train/outcome.ts), decided from its
// per-step loss and final top-1; a run that trained is not.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CHANCE_MARGIN, classifyCollapse, MIN_STEPS } from "../../src/core/train/outcome.js";

const LN10 = Math.log(10);

/** A loss curve that learns from ln(10) down to `to` over `n` steps. */
function learning(n: number, to = 0.6): number[] {
  return Array.from({ length: n }, (_, i) => LN10 + ((to - LN10) * i) / (n - 1));
}

describe("collapsed outcome (issue 16)", () => {
  it("a loss that learns, spikes to 40, then sits flat at ln(10) from step 27 on is collapsed at step 27", () => {
    const losses = [...learning(20, 1.2), 3.5, 12, 40, 9, 5, 3.1, 2.6, 2.4, 2.35, 2.31];
    while (losses.length < 60) losses.push(LN10 + (losses.length % 2 ? 0.01 : -0.01));
    const got = classifyCollapse({ losses, top1: 0.19, numClasses: 10 });
    assert.ok(got, "collapsed");
    // 2.6 (index 26) is within ±15% of ln(10) = 2.303 (up to 2.648) and so is every later loss; 3.1 before it is not.
    assert.equal(got.step, 27);
    assert.match(got.reason, /spiked \(to 40\.0 at step 23\), then stayed flat within ±15% of ln\(10\)/);
  });

  it("a run ending at chance with its loss flat at ln(C) is collapsed even when the loss never spiked", () => {
    const losses = Array.from({ length: 40 }, () => LN10);
    const got = classifyCollapse({ losses, top1: 0.1, numClasses: 10 });
    assert.ok(got);
    assert.equal(got.step, 1, "the loss was in the ln(C) band from the first step");
    assert.match(got.reason, /chance/);
  });

  it("a run at chance whose loss ended high (2.8, above the band) after learning nothing is collapsed from there", () => {
    const losses = [...Array.from({ length: 10 }, () => LN10), ...Array.from({ length: 20 }, () => 2.8)];
    const got = classifyCollapse({ losses, top1: 0.1, numClasses: 10 });
    assert.ok(got);
    assert.equal(got.step, 1, "the loss never went below the band's floor");
    assert.match(got.reason, /at or above ln\(10\)·0\.85 = 1\.957 from step 1 to the end; test top-1 0\.100 at chance/);
    assert.equal(classifyCollapse({ losses, top1: 0.4, numClasses: 10 }), null, "not at chance: not collapsed");
  });

  it("a run too short to judge (fewer than MIN_STEPS) is not collapsed, even at chance", () => {
    const losses = Array.from({ length: MIN_STEPS - 1 }, () => LN10);
    assert.equal(classifyCollapse({ losses, top1: 0.1, numClasses: 10 }), null);
  });

  it("a run that trained (loss down to 0.6, top-1 85%) is not collapsed", () => {
    assert.equal(classifyCollapse({ losses: learning(60), top1: 0.85, numClasses: 10 }), null);
  });

  it("flat at ln(C): just above the chance margin is not collapsed, at the margin it is", () => {
    const losses = Array.from({ length: 30 }, (_, i) => LN10 + 0.05 * Math.sin(i));
    assert.equal(classifyCollapse({ losses, top1: 0.1 + CHANCE_MARGIN + 0.01, numClasses: 10 }), null);
    assert.ok(classifyCollapse({ losses, top1: 0.1 + CHANCE_MARGIN, numClasses: 10 }));
  });

  it("a loss that went down is never collapsed, even at chance top-1", () => {
    assert.equal(classifyCollapse({ losses: learning(30, 1.2), top1: 0.1, numClasses: 10 }), null);
  });

  it("a flat tail without an earlier spike (slow learner near ln C, top-1 40%) is not collapsed", () => {
    const losses = Array.from({ length: 40 }, (_, i) => LN10 - 0.002 * i);
    assert.equal(classifyCollapse({ losses, top1: 0.4, numClasses: 10 }), null);
  });

  it("a spike the run recovered from (tail back at 0.7) is not collapsed", () => {
    const losses = [...learning(20, 1.0), 30, 8, ...learning(20, 0.7).slice(5)];
    assert.equal(classifyCollapse({ losses, top1: 0.8, numClasses: 10 }), null);
  });

  it("the fig2b pilot's run (batch 1024, λ = 0.16, seed 0): spike to 8.74, then 32 steps at 0.89–1.05·ln(10), top-1 26.8%", () => {
    // Per-step training losses of that run (nfx 0.2, wasm), rounded to 3 decimals; see FLAT_TOL in outcome.ts.
    const losses = [
      2.3, 2.285, 2.235, 2.121, 2.276, 3.537, 2.754, 2.498, 2.307, 2.304, 2.291, 2.276, 2.231, 2.181, 2.097, 4.934,
      8.74, 3.406, 4.213, 2.315, 2.366, 4.112, 3.061, 2.712, 6.729, 4.789, 2.322, 2.323, 2.285, 2.276, 2.254, 2.326,
      2.408, 2.334, 2.311, 2.322, 2.274, 2.217, 2.232, 2.182, 2.177, 2.145, 2.162, 2.146, 2.114, 2.116, 2.093, 2.124,
      2.087, 2.084, 2.075, 2.087, 2.052, 2.09, 2.066, 2.065, 2.064, 2.054,
    ];
    const got = classifyCollapse({ losses, top1: 0.2681, numClasses: 10 });
    assert.ok(got, "collapsed");
    assert.equal(got.step, 27, "4.789 (step 26) is the last loss outside the band");
    assert.match(got.reason, /spiked \(to 8\.74 at step 17\)/);
    // The λ = 0.01 run of the same seed learned (down to 1.05): not collapsed.
    assert.equal(
      classifyCollapse({ losses: [...losses.slice(0, 8), ...learning(50, 1.05)], top1: 0.772, numClasses: 10 }),
      null,
    );
  });

  it("refuses a class count below 2", () => {
    assert.throws(() => classifyCollapse({ losses: [1], top1: 0.5, numClasses: 1 }), /numClasses must be ≥ 2/);
  });
});
