// A sweep's pre-flight: what training needs, checked once, before anything is written. Three checks, in order:
//   1. the runs   — model names and overrides, weight files to start from, dataset directories (validateRuns; the
//                   dry run makes exactly these);
//   2. the machine — the threads fit the cores, the backend is installed, the cache directory is writable;
//   3. the data   — each dataset loads, and its training split holds at least one batch (checkData).
// Config values and their combinations were checked when the configs were resolved (resolveConfig, checkRunnable).

import fs from "node:fs";
import { ensureCacheDir } from "../base/cacheDir.js";
import { ConfigError } from "../config/configError.js";
import { canonicalJson } from "../config/hash.js";
import { stepFault } from "../config/runnable.js";
import { datasetFacts } from "../data/datasets.js";
import { loadDataset } from "../data/index.js";
import { checkBackendInstalled } from "../engine/backend/backend.js";
import { resolveModelSpec } from "../models/index.js";
import { checkInitFrom } from "../weights/initFrom.js";
import type { WeightSource } from "../weights/nameMaps.js";
import { dataKey } from "./dataKey.js";
import type { ExpandedRun } from "./expand.js";
import { checkThreads, checkThreadsBackend, type ResolvedSweepOptions } from "./options.js";

/** Every check of the pre-flight, in order. @throws ConfigError / Error naming the key or flag at fault. */
export async function preflight(runs: readonly ExpandedRun[], opts: ResolvedSweepOptions): Promise<void> {
  validateRuns(runs);
  checkMachine(opts);
  await checkData(runs);
}

/**
 * The checks that need no data and no training (the dry run makes exactly these; a sweep makes these, then the
 * machine's and the data's): model names and overrides, and that a dataset's directory exists.
 * @throws Error naming the model or data key at fault.
 */
export function validateRuns(runs: readonly ExpandedRun[]): void {
  const seen = new Set<string>();
  for (const r of runs) {
    const key = canonicalJson(r.config.model);
    if (seen.has(key)) continue;
    seen.add(key);
    const spec = resolveModelSpec(r.config.model);
    const m = r.config.model as Record<string, unknown>;
    if (typeof m.init_from === "string") {
      try {
        const channels = datasetFacts(r.config.data.name)?.channels ?? null;
        checkInitFrom(spec, m.init_from, (m.init_from_names as WeightSource | undefined) ?? null, channels);
      } catch (e) {
        throw new ConfigError("model.init_from", (e as Error).message);
      }
    }
  }
  for (const r of runs) {
    const p = r.config.data.path;
    if (p !== null && datasetFacts(r.config.data.name)?.readsPath) {
      if (!fs.existsSync(p)) throw new ConfigError("data.path", `no such directory: ${p}`);
    }
  }
}

/** What training needs from this machine. @throws Error naming --threads/--jobs, the backend or the cache dir. */
function checkMachine(opts: ResolvedSweepOptions): void {
  checkThreads(opts.jobs, opts.threads, opts.cores);
  checkThreadsBackend(opts.backend, opts.threads);
  checkBackendInstalled(opts.backend);
  ensureCacheDir();
}

/**
 * The runs' checks and the data's (validateRuns, then checkData), without the machine's.
 * @throws ConfigError / Error naming the run's keys.
 */
export async function validateRunsDeep(runs: readonly ExpandedRun[]): Promise<void> {
  validateRuns(runs);
  await checkData(runs);
}

/**
 * Checks what needs the data itself: each dataset loads, and its training split (an imagefolder's size is known
 * only now) holds at least one batch.
 * @throws ConfigError / Error naming the run's keys.
 */
async function checkData(runs: readonly ExpandedRun[]): Promise<void> {
  // Training-split sizes of folders (other datasets' sizes are known without reading them: data/datasets.ts).
  const folderSizes = new Map<string, number>();
  const loaded = new Set<string>();
  for (const r of runs) {
    const d = r.config.data;
    const key = dataKey(r.config);
    if (!loaded.has(key)) {
      loaded.add(key);
      const folder = datasetFacts(d.name)?.splits === null;
      // A folder is read whole (dataKey ignores sizes); each run's own train_size is checked against it below.
      const ds = await loadDataset({
        ...d,
        ...(folder ? { train_size: null, test_size: null } : {}),
        seed: r.config.seed,
      });
      if (folder) folderSizes.set(key, ds.train.size);
    }
    const size = folderSizes.get(key);
    if (size === undefined) continue;
    if (d.train_size !== null && d.train_size > size) {
      throw new ConfigError("data.train_size", `${d.train_size} exceeds the ${size} training examples in ${d.path}`);
    }
    const fault = stepFault(r.config, d.train_size ?? size, d.train_size !== null ? "data.train_size" : `${d.path}`);
    if (fault) throw fault;
  }
}
