// Issue 16 item 5: each step records the skip gains' mean |g| (skip_gain_abs_mean), so the report can show that a
// small λ pins the zero-initialised skip gains: AGC clips their gradient to λ·max(|g|, ε).
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { resolveConfig } from "../../src/core/config/resolve.js";
import { type Dataset, loadDataset } from "../../src/core/data/index.js";
import { initBackend } from "../../src/core/engine/backend/backend.js";
import { trainRun } from "../../src/core/train/trainRun.js";
import { testBackend } from "../helpers.js";

const config = (lambda: number | null) =>
  resolveConfig({
    data: { name: "synthetic", train_size: 64, test_size: 32, image_size: 8 },
    train: { steps: 2, batch_size: 16 },
    optim: { lr: 0.2, warmup_epochs: 0 },
    agc: { lambda },
  });

let data: Dataset;
before(async () => {
  await initBackend(testBackend());
  const cfg = config(0.01);
  data = await loadDataset({ ...cfg.data, seed: cfg.seed });
});

async function firstSteps(lambda: number | null) {
  const cfg = config(lambda);
  const steps: Record<string, number>[] = [];
  await trainRun(cfg, data, { step: (_s, m) => steps.push(m) });
  return { cfg, steps };
}

describe("skip gain size per step (issue 16)", () => {
  it("after the first update, |skip gain| ≤ lr·(1+μ)·λ·ε under AGC (Nesterov's first step), larger without", async () => {
    const { cfg, steps } = await firstSteps(0.01);
    const first = steps[0];
    assert.ok(first && "skip_gain_abs_mean" in first, "recorded every step");
    assert.ok("clip_frac.skip_gain" in first, "the skip gains' clip fraction is recorded");
    const bound = (first.lr as number) * (1 + cfg.optim.momentum) * 0.01 * cfg.agc.eps;
    assert.ok(first.skip_gain_abs_mean > 0, "they move");
    assert.ok(first.skip_gain_abs_mean <= bound * 1.0001, `${first.skip_gain_abs_mean} > ${bound}`);
    const free = (await firstSteps(null)).steps[0];
    assert.ok((free?.skip_gain_abs_mean ?? 0) > 10 * bound, `unclipped: ${free?.skip_gain_abs_mean}`);
  });
});
