// A sweep's runs in a store, built without training: a sweep spec expanded as `nfx sweep` expands it (the same
// configs and hashes), each run given a short loss curve, a test evaluation and a top-1 chosen by the test.
import path from "node:path";
import type { RunConfig } from "../../src/core/config/schema.js";
import { RunStore, type StoredRun } from "../../src/core/store/runStore.js";
import { type ExpandedRun, expandSweepPlan } from "../../src/core/sweep/expand.js";
import { parseSweep } from "../../src/core/sweep/sweepSpec.js";
import { sweepAxes } from "../../src/experiments/sweepFile.js";
import { TEST_ENV } from "../figures/constructedStore.js";
import { tempDir } from "../helpers.js";

/** The 36-run sweep: λ (none among them) × granularity × exclusion × batch size × 2 seeds. */
export const FOUR_AXIS_SWEEP = {
  name: "own-ablation",
  model: { name: "nf-resnet-micro" },
  data: { train_size: 8000, test_size: 2000 },
  grid: {
    "agc.lambda": [0.01, 0.16, null],
    "agc.granularity": ["unit", "layer"],
    "agc.exclude": [["classifier_weight"], ["classifier_weight", "stem_conv"]],
    "train.batch_size": [64, 256],
  },
  seeds: 2,
};

/** A top-1 that depends on every axis, so that points differ. */
function top1Of(c: RunConfig): number {
  const lam = c.agc.lambda ?? 0.3;
  return 0.6 + lam / 2 + (c.agc.granularity === "layer" ? 0.02 : 0) + c.agc.exclude.length * 0.01 + c.seed * 0.004;
}

export interface SweepStore {
  db: string;
  store: RunStore;
  runs: ExpandedRun[];
  stored: StoredRun[];
  axes: string[];
}

/** The sweep's runs, completed, in a fresh store (open; the caller closes it). */
export function sweepStore(doc: Record<string, unknown>, top1 = top1Of): SweepStore {
  const spec = parseSweep(doc, "sweep");
  const { runs } = expandSweepPlan(spec);
  const db = path.join(tempDir(), "nfx.db");
  const store = RunStore.open(db);
  const stored = runs.map((r) => {
    const { id } = store.ensureRun(r.config, r.hash, null);
    store.startRun(id, TEST_ENV, 4);
    const rows = [0, 1, 2, 3].map((step) => ({ step, name: "loss", value: 2.3 - 0.2 * step - top1(r.config) / 4 }));
    store.appendMetrics(id, rows, 4);
    const t = top1(r.config);
    store.addEval(id, 4, "test", t, 0.9, 2000);
    store.finishRun(id, "completed", { test_top1: t, final_loss: 1.5, steps: 4, images_per_s: 100 }, null);
    return store.getRun(id) as StoredRun;
  });
  return { db, store, runs, stored, axes: sweepAxes(spec) };
}
