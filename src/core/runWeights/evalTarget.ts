// What `nfx eval` measures: the weights file and the model, data and seed to measure it with, from what the user
// named. `--weights` names a file or a stored run, in this order: an nfx checkpoint of a run in the store (its
// config supplies model and data), a weights file (model and data must be named), or a run id / config-hash prefix
// (its final checkpoint and config). Then a config file's model/data/seed, `--set` overrides and `--model` apply, in
// that order, over what the run supplied.
import fs from "node:fs";
import { setDotted } from "../config/dotted.js";
import { parseSetOverride } from "../config/setOverride.js";
import { readYamlFile } from "../config/yamlFile.js";
import { RunStore } from "../store/runStore.js";
import type { StoredRun } from "../store/runTypes.js";
import { readSafetensorsMetadata } from "../weights/safetensors.js";
import { CHECKPOINT_RECORD_KEY } from "../weights/weightsFile.js";
import { finalWeightsPath } from "./finalWeights.js";

/** What the user named (the `nfx eval` flags). */
export interface EvalRequest {
  /** A weights file, an nfx checkpoint, or a run id / config-hash prefix. */
  weights: string;
  /** The store a run reference or a checkpoint's run is looked up in. */
  db: string;
  /** A YAML config file whose `model`, `data` and `seed` apply. */
  config?: string;
  /** `KEY=VALUE` overrides (`--set`). */
  sets: readonly string[];
  /** `model.name`, over everything else. */
  model?: string;
}

/** The weights file and what to measure it with (a run's `init_from` keys are dropped: the weights are given). */
export interface EvalTarget {
  weights: string;
  model: { name: string } & Record<string, unknown>;
  data: { name: string } & Record<string, unknown>;
  seed: number;
}

/**
 * Resolves an eval request (see the header for the order).
 * @throws Error naming `--weights` (no such file or run), or asking for the model or dataset when none is named;
 *   ConfigError for a bad `--set`.
 */
export function resolveEvalTarget(req: EvalRequest): EvalTarget {
  const { weights, run } = weightsAndRun(req.weights, req.db);
  const cfg: Record<string, unknown> = {};
  if (run) {
    cfg.model = structuredClone(run.config.model);
    cfg.data = structuredClone(run.config.data);
    cfg.seed = run.config.seed;
  }
  if (req.config) {
    const file = (readYamlFile(req.config).data ?? {}) as Record<string, unknown>;
    for (const k of ["model", "data", "seed"]) if (file[k] !== undefined) cfg[k] = file[k];
  }
  for (const s of req.sets) setDotted(cfg, ...parseSetOverride(s));
  if (req.model) setDotted(cfg, "model.name", req.model);
  const model = cfg.model as EvalTarget["model"] | undefined;
  if (!model?.name) throw new Error("name the model: --model NAME, --config FILE or --set model.name=NAME");
  const data = cfg.data as EvalTarget["data"] | undefined;
  if (!data?.name) throw new Error("name the dataset: --set data.name=… (and data.path), or --config FILE");
  for (const k of ["init_from", "init_from_names", "init_from_sha256"]) delete model[k];
  return { weights, model, data, seed: typeof cfg.seed === "number" ? cfg.seed : 0 };
}

/** The weights file `ref` names and the stored run that supplies model and data (null: none, they must be named). */
function weightsAndRun(ref: string, db: string): { weights: string; run: StoredRun | null } {
  if (fs.existsSync(ref)) return { weights: ref, run: checkpointRun(ref, db) };
  // A path (a separator or a weights extension) that does not exist is a missing file, not a run reference.
  if (/[\\/]|\.(safetensors|npz)$/i.test(ref)) throw new Error(`--weights ${ref}: no such file`);
  const store = RunStore.open(db, { readonly: true });
  try {
    const run = store.getRun(ref);
    if (!run) throw new Error(`--weights ${ref}: no such file, and no run '${ref}' in ${db}`);
    return { weights: finalWeightsPath(store, run), run };
  } finally {
    store.close();
  }
}

/** The stored run whose checkpoint `file` is (by its record's config hash), or null (not a checkpoint, no store). */
function checkpointRun(file: string, db: string): StoredRun | null {
  let hash: string | undefined;
  try {
    const record = readSafetensorsMetadata(file)[CHECKPOINT_RECORD_KEY];
    hash = record ? (JSON.parse(record) as { configHash?: string }).configHash : undefined;
  } catch {
    return null; // not safetensors, or unreadable: evalWeights says what is wrong with it
  }
  if (!hash || !fs.existsSync(db)) return null;
  const store = RunStore.open(db, { readonly: true });
  try {
    const run = store.getRun(hash);
    return run?.config_hash === hash ? run : null;
  } finally {
    store.close();
  }
}
