// Fig. 2(b)'s best λ per batch size (experiments/figures/bestLambda.ts): the arm with the highest mean top-1 over
// its seeds, no clipping counted as λ = ∞, BN-ResNets left out; and whether it moves down as the batch grows, also
// per seed half (scripts/seedSplit.ts --best-lambda).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { bestLambdaSplit } from "../../scripts/seedSplit.js";
import type { RunRow } from "../../src/core/plot/runRows.js";
import { bestLambdaByBatch, bestLambdaLine, bestLambdaShrinks } from "../../src/experiments/figures/bestLambda.js";

function run(batch: number, lambda: number | null, seed: number, top1: number, model = "nf-resnet-micro"): RunRow {
  return {
    "model.name": model,
    "train.batch_size": batch,
    "agc.granularity": lambda === null ? "none" : "unit",
    "agc.lambda": lambda,
    seed,
    top1,
  };
}

describe("best λ per batch size", () => {
  test("takes the highest mean over seeds; no clipping is λ = ∞; BN runs are not counted", () => {
    const rows = [
      run(64, 0.01, 0, 0.86),
      run(64, 0.01, 1, 0.88), // mean 0.87
      run(64, 0.16, 0, 0.9),
      run(64, 0.16, 1, 0.82), // mean 0.86: one seed's 0.90 does not make it best
      run(64, null, 0, 0.895),
      run(64, null, 1, 0.885), // mean 0.89: best, λ = ∞
      run(1024, 0.01, 0, 0.72),
      run(1024, 0.16, 0, 0.1),
      run(1024, null, 0, 0.1),
      run(1024, 0.16, 0, 0.99, "bn-resnet-micro"), // a BN run beating everything is not an NF arm
    ];
    const best = bestLambdaByBatch(rows);
    assert.deepEqual(
      best.map((b) => [b.batch, b.lambda, Number(b.top1.toFixed(4)), b.runs]),
      [
        [64, Number.POSITIVE_INFINITY, 0.89, 2],
        [1024, 0.01, 0.72, 1],
      ],
    );
    assert.deepEqual(
      best[0]?.arms.map((a) => [a.lambda, Number(a.top1.toFixed(4))]),
      [
        [0.01, 0.87],
        [0.16, 0.86],
        [Number.POSITIVE_INFINITY, 0.89],
      ],
    );
    assert.equal(bestLambdaShrinks(best), true);
    assert.equal(
      bestLambdaLine(rows),
      "best λ per batch size (highest mean top-1 over its seeds; no clipping counts as λ = ∞): B=64 no clipping · B=1024 0.01",
    );
  });

  test("does not shrink when the largest batch's best λ is not below the smallest's; undecidable with one batch", () => {
    const flat = [run(64, 0.01, 0, 0.9), run(64, 0.16, 0, 0.8), run(1024, 0.01, 0, 0.7), run(1024, 0.16, 0, 0.6)];
    assert.equal(bestLambdaShrinks(bestLambdaByBatch(flat)), false);
    assert.equal(bestLambdaShrinks(bestLambdaByBatch(flat.slice(0, 2))), null);
    assert.equal(bestLambdaLine([]), null);
  });

  test("seed halves: holds only when both halves shrink", () => {
    const rows = [
      run(64, 0.01, 0, 0.86),
      run(64, 0.16, 0, 0.9),
      run(1024, 0.01, 0, 0.7),
      run(1024, 0.16, 0, 0.1),
      run(64, 0.01, 1, 0.9), // seed 1: 0.01 best at 64 as well → not below
      run(64, 0.16, 1, 0.85),
      run(1024, 0.01, 1, 0.7),
      run(1024, 0.16, 1, 0.1),
    ];
    const split = bestLambdaSplit(rows, [0], [1]);
    assert.equal(split.holds, false);
    assert.match(split.lines[1] as string, /^seeds 0: best λ shrinks/);
    assert.match(split.lines[2] as string, /^seeds 1: best λ does NOT shrink/);
    assert.equal(bestLambdaSplit(rows, [0], [0]).holds, true);
  });
});
