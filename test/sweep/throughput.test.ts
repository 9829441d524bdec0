// The calibrated path of the cost estimate (experiments/throughput.ts, costEstimate.ts) on a tiny model: a few
// steps timed, cached with the load they were taken at, measured again once the load has changed; a sweep with no
// similar stored run is timed by it.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { before, describe, it } from "node:test";
import { resolveConfig } from "../../src/core/config/resolve.js";
import { initBackend } from "../../src/core/engine/backend/backend.js";
import { expandSweep } from "../../src/core/sweep/expand.js";
import { parseSweep } from "../../src/core/sweep/sweepSpec.js";
import { estimateSweep } from "../../src/experiments/costEstimate.js";
import { calibratedThroughput, inputOf } from "../../src/experiments/throughput.js";
import { tempDir, testBackend } from "../helpers.js";

const TINY = {
  model: { name: "nf-resnet-micro" },
  data: { name: "synthetic", train_size: 64, test_size: 16, image_size: 8 },
  train: { steps: 3, batch_size: 8 },
};

describe("calibrated throughput", () => {
  let cache = "";
  before(async () => {
    cache = tempDir();
    process.env.NFX_CACHE_DIR = cache;
    await initBackend(testBackend());
  });

  it("reads the run's input from the dataset's facts", () => {
    assert.deepEqual(inputOf(resolveConfig(TINY)), { shape: [8, 8, 1], classes: 10 });
    assert.deepEqual(inputOf(resolveConfig({ data: { name: "fashion-mnist" } })).shape, [28, 28, 1]);
    assert.deepEqual(inputOf(resolveConfig({ data: { name: "cifar10", path: "/x" } })).shape, [32, 32, 3]);
  });

  it("times a few steps, caches the rate with its load, and measures again once the load has changed", async () => {
    const cfg = resolveConfig(TINY);
    const first = await calibratedThroughput(cfg, testBackend());
    assert.ok(first.imagesPerS > 0 && Number.isFinite(first.imagesPerS));
    assert.equal(first.cached, false);
    assert.ok(first.micro >= 1 && first.micro <= 8);
    const file = path.join(cache, "throughput.json");
    const entries = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, { imagesPerS: number; load: number }>;
    assert.deepEqual(Object.values(entries), [{ imagesPerS: first.imagesPerS, load: first.load }]);

    const again = await calibratedThroughput(cfg, testBackend());
    assert.deepEqual(again, { ...first, cached: true });

    // Measured while far more work than cores held the machine: not this machine's rate now.
    const [key] = Object.keys(entries);
    const busy = (os.loadavg()[0] ?? 0) + 100;
    fs.writeFileSync(file, JSON.stringify({ [key as string]: { imagesPerS: 1, load: busy } }));
    const remeasured = await calibratedThroughput(cfg, testBackend());
    assert.equal(remeasured.cached, false);
    assert.notEqual(remeasured.imagesPerS, 1);
  });

  it("times a sweep that no stored run can: every run from the calibration, the total on the workers", async () => {
    const runs = expandSweep(parseSweep({ ...TINY, grid: { "agc.lambda": [0.01, null], seed: [0, 1, 2] } }, "t"));
    const cost = await estimateSweep(runs, { db: null, backend: testBackend(), jobs: 2 });
    assert.equal(cost.planned, 6);
    assert.equal(cost.settled, 0);
    assert.equal(cost.runs.length, 6);
    assert.equal(cost.workers, 2);
    assert.equal(cost.machine.backend, testBackend());
    assert.equal(cost.steps, 6 * 3);
    assert.equal(cost.images, 6 * 3 * 8);
    for (const r of cost.runs) {
      assert.equal(r.basis.kind, "calibrated");
      assert.ok((r.seconds ?? 0) > 0);
    }
    const perRun = cost.runs[0]?.seconds ?? 0;
    assert.ok(Math.abs((cost.seconds ?? 0) - 3 * perRun) < 1e-9, "6 equal runs on 2 workers: 3 each");
  });
});
