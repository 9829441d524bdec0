// Stores of constructed runs for the report's matching (issue 24): runs from sweep files written by the test, each
// finished with a top-1 the test chooses (or failed), optionally recorded as one stored sweep, without training.
import path from "node:path";
import type { RunConfig } from "../../src/core/config/schema.js";
import { RunStore } from "../../src/core/store/runStore.js";
import { loadSweepFile } from "../../src/core/sweep/expand.js";
import { TEST_ENV } from "../figures/constructedStore.js";
import { tempDir, writeFile } from "../helpers.js";

/** top-1 for a run's config, or how it ended without one. Seeds are jittered by ±0.001 so arms have a spread. */
export type Outcome = number | "diverged" | "failed";

export const BASE = `model: { name: nf-resnet-micro }
data: { name: synthetic, train_size: 64, test_size: 32, image_size: 8 }
train: { steps: 2, batch_size: 8 }
optim: { lr: 0.2, warmup_epochs: 0 }
`;

/**
 * Adds every run of the sweep `body` (BASE is put first) to the store at `db`, finished with `outcome(config)`;
 * with `sweep`, as the runs of a stored sweep of that name. Returns the runs' ids in the sweep's order.
 */
export function addRuns(db: string, body: string, outcome: (c: RunConfig) => Outcome, sweep?: string): number[] {
  const file = writeFile(tempDir(), "sweep.yaml", `name: ${sweep ?? "constructed"}\n${BASE}${body}`);
  const runs = loadSweepFile(file).runs;
  const store = RunStore.open(db);
  try {
    const sweepId = sweep ? store.createSweep(sweep, path.basename(file), {}) : null;
    return runs.map((r) => {
      const { id, status } = store.ensureRun(r.config, r.hash, sweepId);
      // A run another sweep already stored is that run: the sweep names it, nothing is run again.
      if (status !== "pending") return id;
      store.startRun(id, TEST_ENV, 2);
      const o = outcome(r.config);
      store.appendMetrics(id, [{ step: 0, name: "loss", value: 2.3 }], 1);
      if (o === "failed") store.finishRun(id, "failed", null, "constructed failure");
      else if (o === "diverged") {
        store.finishRun(id, "diverged", { test_top1: null, final_loss: null, steps: 1, images_per_s: 100 }, "loss NaN");
      } else {
        const top1 = o + (r.config.seed % 2 === 0 ? -0.001 : 0.001);
        store.addEval(id, 2, "test", top1, 0.9, 32);
        store.finishRun(id, "completed", { test_top1: top1, final_loss: 1.7, steps: 2, images_per_s: 100 }, null);
      }
      return id;
    });
  } finally {
    store.close();
  }
}
