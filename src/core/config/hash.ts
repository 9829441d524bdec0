// Content addressing: a run is identified by the hash of its *identity*, the part of its config that decides what
// is trained and recorded.
//
// The identity of a resolved config (see `configIdentity`) is a flat map of dotted key → value, sorted, with:
//   1. execution details left out (EXECUTION_RULES): `train.micro_batch` (how a logical batch is split across
//      gradient accumulation changes nothing beyond float summation order, like `--jobs`) — except for BatchNorm
//      models, where a micro-batch smaller than the batch is ghost batch norm (statistics per micro-batch, as
//      per-device BN in data-parallel training): different training, so that micro-batch stays in the identity;
//      `train.checkpoint_every` and `train.keep_checkpoints` (saving the state changes nothing the run computes);
//   2. inert keys left out: keys that another key's value makes irrelevant (the table in inert.ts: ε and exclusions
//      without clipping, ε with global clipping, SAM's fraction without SAM, Nesterov without momentum,
//      `train.epochs` when `train.steps` is set, `data.path` / `data.image_size` for datasets that ignore them);
//   3. keys at their *identity baseline* left out (IDENTITY_BASELINE below);
//   4. before all that, values that name the same training in two ways written in one (CANONICAL_SPELLINGS):
//      `data.train_size` / `data.test_size` equal to the dataset's whole split are null (all of it), and
//      `train.steps` equal to the steps `train.epochs` gives is null (the length comes from the epochs).
// Each of these rules carries its reason in words, which the sweep prints when two points are one run
// (sweep/noChange.ts): the rules are written once, here and in inert.ts.
//
// `train.eval_every` stays in the identity although it changes only what is recorded (the test curve), not the
// weights: a stored run answers for the record it holds, so a run asked with a test curve is not served by one
// stored without it.
//
// The baseline rule is what keeps stored hashes stable across nfx versions:
//   - Adding a config key: give it a baseline equal to the behaviour nfx had before the key existed (normally
//     its default). Every config that leaves it there hashes as before, and stored configs, which lack the key,
//     are read as being at the baseline. A key missing from IDENTITY_BASELINE falls back to its schema default
//     (test/config/identity.test.ts insists that every key has an entry).
//   - Changing a key's default: change `default` in schema.ts, never its baseline here. Runs under the old
//     default keep their hashes (the value equals the baseline, so it is left out); runs under the new default
//     get new hashes (the value differs from the baseline, so it is written in). Two runs that trained
//     differently never share a hash.
//   - Making a key inert under a new condition, or changing what identity means in any other way, changes stored
//     hashes: append a store migration that re-hashes them (src/core/store/schema.ts, `rehashRuns`).

import { sha256Hex } from "../base/files.js";
import { datasetFacts } from "../data/datasets.js";
import { resolveModelSpec } from "../models/resolve.js";
import { getDotted, type Plain, setDotted } from "./dotted.js";
import { INERT_RULES } from "./inert.js";
import { stepsFromEpochs as stepsOfRevision } from "./revision.js";
import { CONFIG_KEYS, type ConfigValue, type RunConfig, TRAINING_REVISION } from "./schema.js";

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (typeof v === "object" && v !== null) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = sortKeys((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}

/** JSON with object keys sorted at every level: equal configs give equal strings. */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(sortKeys(v));
}

/** A key (or keys) that never enters a run's identity, and why in words (the sweep prints it). */
export interface ExecutionRule {
  keys: readonly string[];
  because: string;
}

/**
 * How a run is executed, not what it trains (rule 1 at the top of this file; the ghost batch norm exception is in
 * configIdentity).
 */
export const EXECUTION_RULES: readonly ExecutionRule[] = [
  { keys: ["train.micro_batch"], because: "the micro-batch is an execution detail" },
  // How often a run saves its state, and how many saves it keeps: the training is the same (a resumed run is the
  // uninterrupted one, bit for bit: train/checkpoint.ts).
  { keys: ["train.checkpoint_every", "train.keep_checkpoints"], because: "checkpointing is an execution detail" },
];

/** Keys that never enter a run's identity: how a run is executed, not what it trains. */
export const EXECUTION_KEYS: readonly string[] = EXECUTION_RULES.flatMap((r) => r.keys);

/**
 * Frozen per-key values under which a key is left out of a run's identity (see the rule at the top of this
 * file). Do not edit an entry when a default changes; add one for every new key.
 */
export const IDENTITY_BASELINE: Readonly<Record<string, ConfigValue>> = Object.freeze({
  seed: 0,
  // Configs stored before the key existed were trained by revision 1; every later revision enters the identity.
  revision: 1,
  "model.name": "nf-resnet-micro",
  "data.name": "fashion-mnist",
  "data.path": null,
  "data.train_size": null,
  "data.test_size": null,
  "data.image_size": null,
  "data.augment.crop": 0,
  "data.augment.flip": false,
  "data.augment.mixup": 0,
  "data.augment.cutmix": 0,
  "train.batch_size": 256,
  "train.micro_batch": "auto",
  "train.epochs": 1,
  "train.steps": null,
  "train.eval_every": 0,
  "train.label_smoothing": 0.1,
  "train.diverge_loss": 1e3,
  "train.checkpoint_every": "10m",
  "train.keep_checkpoints": 2,
  // Before optim.name every run was SGD; the other optimizers' keys are inert under sgd (inert.ts).
  "optim.name": "sgd",
  "optim.lr": 0.1,
  "optim.momentum": 0.9,
  "optim.nesterov": true,
  "optim.weight_decay": 2e-5,
  "optim.beta1": 0.9,
  "optim.beta2": 0.999,
  "optim.eps": 1e-8,
  "optim.trust": 1e-3,
  "optim.warmup_epochs": 0.2,
  "optim.ema_decay": null,
  "optim.sam_rho": null,
  "optim.sam_fraction": 0.2,
  "optim.schedule": "cosine",
  "agc.granularity": "unit",
  "agc.lambda": 0.01,
  "agc.eps": 1e-3,
  "agc.exclude": ["classifier_weight"],
});

/**
 * The dotted keys whose values `cfg` makes irrelevant to training: another key switches off what they tune
 * (inert.ts, INERT_RULES).
 */
export function inertKeys(cfg: RunConfig): string[] {
  return INERT_RULES.filter((rule) => rule.when(cfg)).flatMap((rule) => rule.keys);
}

function baselineOf(key: string): ConfigValue | undefined {
  return key in IDENTITY_BASELINE ? IDENTITY_BASELINE[key] : CONFIG_KEYS[key]?.default;
}

/**
 * The optimizer steps `train.epochs` gives on a training split of `trainSize` examples under training revision
 * `revision` (default: the current one) — the trainer's formula (train/prepare.ts, planSteps); config/revision.ts
 * holds it with the revision that changed it.
 */
export function stepsFromEpochs(
  epochs: number,
  batchSize: number,
  trainSize: number,
  revision = TRAINING_REVISION,
): number {
  return stepsOfRevision(epochs, batchSize, trainSize, revision);
}

/** A value of `key` that spells the training of null another way (rule 4 at the top of this file). */
export interface CanonicalSpelling {
  key: string;
  /** The value of `key` that means what null means in `cfg`; undefined when not known without reading the data. */
  sameAsNull: (cfg: RunConfig) => number | undefined;
  /** Why, in words, given that value: "K does not change the run because …". */
  because: (cfg: RunConfig, same: number) => string;
}

/** The split sizes of `cfg`'s dataset when known without reading the data (data/datasets.ts). */
function knownSplits(cfg: RunConfig): { train: number; test: number } | undefined {
  return cfg.data ? (datasetFacts(cfg.data.name)?.splits ?? undefined) : undefined;
}

/**
 * The canonical spellings: a size equal to the dataset's whole split is all of it; a step count equal to the
 * one the epochs give is the epochs' length. Only sizes known without reading the data are compared; an
 * imagefolder's sizes stay as written.
 */
export const CANONICAL_SPELLINGS: readonly CanonicalSpelling[] = [
  {
    key: "data.train_size",
    sameAsNull: (cfg) => knownSplits(cfg)?.train,
    because: (cfg, n) => `${n} is all of ${cfg.data.name}'s training split`,
  },
  {
    key: "data.test_size",
    sameAsNull: (cfg) => knownSplits(cfg)?.test,
    because: (cfg, n) => `${n} is all of ${cfg.data.name}'s test split`,
  },
  {
    key: "train.steps",
    sameAsNull: (cfg) => {
      const known = knownSplits(cfg);
      const t = cfg.train;
      if (!known || t?.epochs == null) return undefined;
      // Under the config's own revision: a stored run keeps the identity it was trained under.
      return stepsFromEpochs(t.epochs, t.batch_size, cfg.data.train_size ?? known.train, cfg.revision ?? 1);
    },
    because: (cfg, n) => `train.epochs ${cfg.train.epochs} gives ${n} steps`,
  },
];

/**
 * `cfg` with values that spell one training two ways written in the canonical spelling (CANONICAL_SPELLINGS:
 * null); `cfg` itself is not changed.
 */
export function identityCanonical(cfg: RunConfig): RunConfig {
  if (!knownSplits(cfg) || !cfg.train) return cfg;
  const out = JSON.parse(JSON.stringify(cfg)) as RunConfig;
  for (const { key, sameAsNull } of CANONICAL_SPELLINGS) {
    const value = getDotted(cfg, key);
    if (value != null && value === sameAsNull(cfg)) setDotted(out as unknown as Plain, key, null);
  }
  return out;
}

/**
 * Whether `cfg` trains a BatchNorm model in micro-batches smaller than its batch: ghost batch norm, whose
 * statistics come from each micro-batch (src/core/train/microBatch.ts), so `train.micro_batch` decides what is
 * trained. False for a model nfx cannot resolve (its runs are refused elsewhere).
 */
export function isGhostBatchNorm(cfg: RunConfig): boolean {
  const micro = cfg.train?.micro_batch;
  if (typeof micro !== "number" || !(micro < cfg.train.batch_size)) return false;
  try {
    return resolveModelSpec(cfg.model).norm === "batch";
  } catch {
    return false;
  }
}

/**
 * The part of a resolved config that identifies a run: dotted key → value, keys sorted, without execution
 * details, inert keys and keys at their identity baseline, after canonical spellings (see the rules at the top of
 * this file). A key the
 * config lacks (a config stored before the key existed) counts as being at its baseline. `model.*` overrides
 * (keys the schema does not list) are kept as given.
 */
export function configIdentity(written: RunConfig): Record<string, unknown> {
  const cfg = identityCanonical(written);
  const drop = new Set([...EXECUTION_KEYS, ...inertKeys(cfg)]);
  if (isGhostBatchNorm(cfg)) drop.delete("train.micro_batch");
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(CONFIG_KEYS)) {
    if (drop.has(key)) continue;
    const value = getDotted(cfg, key);
    if (value === undefined) continue;
    if (canonicalJson(value) === canonicalJson(baselineOf(key))) continue;
    out[key] = value;
  }
  const model = (cfg.model ?? {}) as Record<string, unknown>;
  for (const [k, v] of Object.entries(model)) {
    if (k === "name" || v === undefined) continue;
    // Not identity: where the starting weights lie (their SHA-256 is), and the source of their names (the
    // content decides what trains); `forms: official` is the behaviour of every config without the key.
    if (k === "init_from" && typeof model.init_from_sha256 === "string") continue;
    if (k === "init_from_names" || (k === "forms" && v === "official")) continue;
    out[`model.${k}`] = v;
  }
  return sortKeys(out) as Record<string, unknown>;
}

/** 16 hex digits of SHA-256 over the canonical JSON of the config's identity (configIdentity). */
export function configHash(cfg: RunConfig): string {
  return sha256Hex(canonicalJson(configIdentity(cfg))).slice(0, 16);
}

/** Two configs with one identity: the keys whose values differ between them (they are all inert or execution). */
export function differingKeys(a: RunConfig, b: RunConfig): string[] {
  return Object.keys(CONFIG_KEYS).filter((k) => canonicalJson(getDotted(a, k)) !== canonicalJson(getDotted(b, k)));
}
