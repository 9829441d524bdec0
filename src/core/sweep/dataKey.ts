// Runs that share a dataset (same data config and seed) share one loaded copy inside a process.
import { canonicalJson } from "../config/hash.js";
import type { RunConfig } from "../config/schema.js";

export function dataKey(cfg: RunConfig): string {
  return canonicalJson({ ...cfg.data, augment: null, train_size: null, test_size: null, seed: cfg.seed });
}
