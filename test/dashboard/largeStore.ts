// A constructed store of 10,000 finished runs (5 λ × 4 batch sizes × 500 seeds of one small config), written in
// one transaction through the store's own functions: what the runs view must page through quickly.
import { configHash } from "../../src/core/config/hash.js";
import { resolveConfig } from "../../src/core/config/resolve.js";
import type { RunConfig } from "../../src/core/config/schema.js";
import { RunStore } from "../../src/core/store/runStore.js";

export function tenThousandRuns(db: string): void {
  const base = resolveConfig({
    model: { name: "nf-resnet-micro" },
    data: { name: "synthetic", train_size: 64, test_size: 32, image_size: 8 },
    train: { steps: 3, batch_size: 8 },
  });
  const runs: { config: RunConfig; hash: string }[] = [];
  for (let i = 0; i < 10_000; i++) {
    const config: RunConfig = {
      ...base,
      seed: Math.floor(i / 20),
      train: { ...base.train, batch_size: [8, 16, 32, 64][i % 4] as number },
      agc: { ...base.agc, lambda: [0.01, 0.02, 0.04, 0.08, 0.16][Math.floor(i / 4) % 5] as number },
    };
    runs.push({ config, hash: configHash(config) });
  }
  const store = RunStore.open(db);
  try {
    store.write("constructing 10,000 runs", () => {
      const ids = store.ensureRuns(runs, store.createSweep("large", null, {}));
      ids.forEach(({ id }, i) => {
        const top1 = 0.5 + 0.4 * Math.sin(i);
        store.finishRun(
          id,
          i % 97 === 0 ? "diverged" : "completed",
          {
            test_top1: top1,
            final_loss: 1 - top1,
            steps: 3,
            images_per_s: 100,
          },
          null,
        );
      });
    });
  } finally {
    store.close();
  }
}
