// A store shaped like the quick start's (λ ∈ {0.01, 0.16, none} × batch {64, 256}), built without training: each
// run gets a short loss curve, a test evaluation and a top-1 chosen by the test, written through RunStore's methods.
import { configHash } from "../../src/core/config/hash.js";
import { resolveConfig } from "../../src/core/config/resolve.js";
import { RunStore } from "../../src/core/store/runStore.js";
import { TEST_ENV } from "../figures/constructedStore.js";

export interface QuickRun {
  lambda: number | null;
  batch: number;
  seed?: number;
  lr?: number;
  /** A top-1, or "diverged" (loss NaN at the last step, no test top-1). */
  top1: number | "diverged";
  steps?: number;
  /** The loss at every step (default: falling from 2.3), and a clip fraction at every step (default: none stored). */
  loss?: number;
  clipFrac?: number;
}

/** The quick start's six points, one seed, all completed. */
export const QUICKSTART: readonly QuickRun[] = [0.01, 0.16, null].flatMap((lambda) =>
  [64, 256].map((batch) => ({ lambda, batch, top1: 0.7 + (lambda ?? 0) + batch / 10000 })),
);

/** Adds the runs to the store at `db` (created if missing); returns their ids in order. */
export function addQuickRuns(db: string, runs: readonly QuickRun[]): number[] {
  const store = RunStore.open(db);
  try {
    return runs.map((q) => {
      const config = resolveConfig({
        seed: q.seed ?? 0,
        data: { train_size: 8000, test_size: 2000 },
        agc: { lambda: q.lambda },
        train: { batch_size: q.batch },
        optim: { lr: q.lr ?? 0.4 },
      });
      const { id } = store.ensureRun(config, configHash(config), null);
      const steps = q.steps ?? 5;
      store.startRun(id, TEST_ENV, steps);
      const rows = [];
      for (let step = 0; step < steps; step++) {
        const diverging = q.top1 === "diverged" && step === steps - 1;
        const loss = q.loss ?? 2.3 - 0.1 * step - q.batch / 1000;
        rows.push({ step, name: "loss", value: diverging ? Number.NaN : loss });
        if (q.clipFrac !== undefined) rows.push({ step, name: "clip_frac", value: q.clipFrac });
      }
      store.appendMetrics(id, rows, steps);
      if (q.top1 === "diverged") {
        store.finishRun(id, "diverged", { test_top1: null, final_loss: null, steps, images_per_s: 100 }, "loss NaN");
      } else {
        store.addEval(id, steps - 1, "test", q.top1, 0.9, 2000);
        store.finishRun(id, "completed", { test_top1: q.top1, final_loss: 1.5, steps, images_per_s: 100 }, null);
      }
      return id;
    });
  } finally {
    store.close();
  }
}
