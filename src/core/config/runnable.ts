// Whether a run can run at all: combinations of valid values that cannot train, refused before anything is
// trained. stepFault is the one home of the "split smaller than a batch" refusal (config resolution, the sweep's
// pre-flight once an image folder's size is known, and the trainer ask it).
import { datasetFacts } from "../data/datasets.js";
import { ConfigError } from "./configError.js";
import type { RunConfig } from "./schema.js";

/**
 * The fault that keeps a run from making even one optimizer step on a training split of `trainSize` examples,
 * or null. Batches are whole (the last partial batch of an epoch is dropped), so a split smaller than one
 * logical batch gives epochs of zero steps.
 */
export function stepFault(cfg: RunConfig, trainSize: number, what: string): ConfigError | null {
  if (trainSize >= cfg.train.batch_size) return null;
  return new ConfigError(
    "train.batch_size",
    `train.batch_size ${cfg.train.batch_size} is larger than the training split (${what}: ${trainSize} examples), ` +
      "so no optimizer step can be made; lower train.batch_size or raise data.train_size",
    undefined,
    ["train.batch_size", "data.train_size"],
  );
}

/**
 * Combinations of valid values that cannot run, refused here so that `nfx run`, `nfx sweep` and its dry run
 * refuse them alike, before anything is trained: a training split smaller than one batch (no step), splits
 * larger than the dataset, a dataset that needs a path without one.
 * @throws ConfigError naming the keys at fault (`keys`).
 */
export function checkRunnable(cfg: RunConfig): void {
  const d = cfg.data;
  if (datasetFacts(d.name)?.readsPath && d.path === null) {
    throw new ConfigError("data.path", `dataset ${d.name} needs data.path (its directory)`, undefined, [
      "data.path",
      "data.name",
    ]);
  }
  const known = datasetFacts(d.name)?.splits ?? undefined;
  for (const [key, size, split] of [
    ["data.train_size", d.train_size, known?.train],
    ["data.test_size", d.test_size, known?.test],
  ] as const) {
    if (size !== null && split !== undefined && known?.fixed && size > split) {
      throw new ConfigError(key, `${size} exceeds the ${split} examples ${d.name} has in that split`, undefined, [
        key,
        "data.name",
      ]);
    }
  }
  const trainSize = d.train_size ?? known?.train;
  if (trainSize !== undefined) {
    const fault = stepFault(cfg, trainSize, d.train_size !== null ? "data.train_size" : `all of ${d.name}`);
    if (fault) throw fault;
  }
}
