// scripts/seedSplit.ts: a claim decided from two disjoint seed sets with the report's decision code.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { halves, splitVerdicts, withSeeds } from "../../scripts/seedSplit.js";
import type { RunRow } from "../../src/core/plot/runRows.js";
import { fig2b } from "../../src/experiments/figures/fig2b.js";

/** Fig. 2(b) rows: top-1 per (batch, λ) plus a per-seed wobble; `flip` reverses the effect for seeds in it. */
function fig2bRows(seeds: number[], flip: Set<number> = new Set()): RunRow[] {
  const rows: RunRow[] = [];
  let id = 1;
  for (const seed of seeds)
    for (const b of [64, 512])
      for (const l of [0.01, 0.16]) {
        // Large batch, large λ: diverged (chance); everything else trains.
        const broken = flip.has(seed) ? b === 64 && l === 0.16 : b === 512 && l === 0.16;
        const top1 = (broken ? 0.1 : 0.85) + 0.003 * ((seed * 7 + b + l * 100) % 3);
        rows.push({
          run_id: id++,
          seed,
          top1,
          "model.name": "nf-resnet-micro",
          "agc.granularity": "unit",
          "agc.lambda": l,
          "train.batch_size": b,
        });
      }
  return rows;
}

describe("seed split", () => {
  it("splits a preset's seeds alternately", () => {
    assert.deepEqual(halves([0, 1, 2, 3, 4, 5]), [
      [0, 2, 4],
      [1, 3, 5],
    ]);
    assert.deepEqual(halves([4, 0, 2]), [[0, 4], [2]]);
    assert.equal(withSeeds(fig2bRows([0, 1, 2]), new Set([1])).length, 4);
  });

  it("gives the same verdict from both halves when the effect is in every seed", () => {
    const [v] = splitVerdicts(fig2b, fig2bRows([0, 1, 2, 3]), [0, 1], [2, 3]);
    assert.equal(v?.claim, 2);
    assert.equal(v?.a, "holds");
    assert.equal(v?.b, "holds");
    assert.equal(v?.all, "holds");
    assert.equal(v?.agree, true);
    assert.deepEqual(v?.runs, { all: 16, a: 8, b: 8 });
  });

  it("reports different verdicts when the second half shows the opposite", () => {
    const [v] = splitVerdicts(fig2b, fig2bRows([0, 1, 2, 3], new Set([2, 3])), [0, 1], [2, 3]);
    assert.equal(v?.a, "holds");
    assert.equal(v?.b, "does not hold");
    assert.equal(v?.agree, false);
  });

  it("refuses overlapping seed sets", () => {
    assert.throws(() => splitVerdicts(fig2b, fig2bRows([0, 1]), [0, 1], [1]), /share seed\(s\) 1/);
  });
});
