// Tiny synthetic stand-ins for configs/*.quick.yaml: every figure the report uses, a few hundred ms a run.
import { tempDir, writeFile } from "../helpers.js";

const BASE = `model: { name: nf-resnet-micro }
data: { name: synthetic, train_size: 64, test_size: 32, image_size: 8 }
train: { steps: 2 }
optim: { lr: 0.2, warmup_epochs: 0 }
seeds: 2
`;

/**
 * 8 + 8 + 2 + 4 + 2 = 24 listed runs, 14 distinct: fig2b, granularity, exclusions and optimizers share fig2a's
 * λ = 0.01 runs.
 */
export function tinyPresets(): string {
  const dir = tempDir();
  writeFile(
    dir,
    "fig2a.quick.yaml",
    `name: fig2a.quick\n${BASE}grid:\n  agc.lambda: [0.01, null]\n  train.batch_size: [8, 16]\n`,
  );
  writeFile(
    dir,
    "fig2b.quick.yaml",
    `name: fig2b.quick\n${BASE}grid:\n  agc.lambda: [0.01, 0.16]\n  train.batch_size: [8, 16]\n`,
  );
  writeFile(
    dir,
    "granularity.quick.yaml",
    `name: granularity.quick\n${BASE}grid:\n  agc.granularity: [unit]\n  agc.lambda: [0.01]\n  train.batch_size: [8]\n`,
  );
  writeFile(
    dir,
    "exclusions.quick.yaml",
    `name: exclusions.quick\n${BASE}agc: { lambda: 0.01 }\ngrid:\n  agc.exclude: [[classifier_weight], [classifier_weight, stem_conv]]\n  train.batch_size: [8]\n`,
  );
  writeFile(
    dir,
    "optimizers.quick.yaml",
    `name: optimizers.quick\n${BASE}grid:\n  optim.name: [sgd]\n  agc.lambda: [0.01]\n  train.batch_size: [8]\n`,
  );
  return dir;
}
