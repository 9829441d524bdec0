// Inert keys: keys whose value another key's value makes irrelevant to training (it switches off what they tune).
// One table, INERT_RULES, each row with the keys made inert, the condition, the reason in words and the keys that
// cause it. The run's identity leaves those keys out (config/hash.ts, inertKeys); the sweep explains with the same
// rows why two points are one run, or why an axis changes no run (sweep/noChange.ts). Each row is one line of the
// trainer's or loader's code that skips the key under that condition.
//
// "No clipping" is the one case the config writes in one spelling instead of leaving keys out: λ null and
// granularity none are written together (writeNoClipping), so both stay in the identity and hash alike;
// NO_CLIPPING_SPELLINGS says why, in the same words the sweep prints.
//
// Making a key inert under a new condition changes stored hashes: see the baseline rule at the top of hash.ts.
import { clippingOff } from "../agc/agc.js";
import { datasetFacts } from "../data/datasets.js";
import { OPTIMIZER_KEYS, optimizerReads } from "../optim/table.js";
import type { RunConfig } from "./schema.js";

/** A rule that makes `keys` change nothing in a run of a config for which `when` holds. */
export interface InertRule {
  /** The dotted keys made inert. */
  keys: readonly string[];
  /** Whether the rule holds for a resolved config. */
  when: (cfg: RunConfig) => boolean;
  /** Why, in words: "K does not change the run because …". */
  because: (cfg: RunConfig) => string;
  /** The keys whose values make it so. */
  causes: readonly string[];
}

const notReadBy = (cfg: RunConfig) => `data.name is ${cfg.data.name}, which does not read it`;

/** The inert keys, in the order inertKeys lists them. */
export const INERT_RULES: readonly InertRule[] = [
  {
    keys: ["agc.eps", "agc.exclude"],
    when: (cfg) => clippingOff(cfg.agc),
    because: () => "clipping is off",
    causes: ["agc.granularity", "agc.lambda"],
  },
  {
    // Global clipping uses no parameter norm.
    keys: ["agc.eps"],
    when: (cfg) => !clippingOff(cfg.agc) && cfg.agc.granularity === "global",
    because: () => "global clipping ignores it",
    causes: ["agc.granularity"],
  },
  {
    keys: ["optim.sam_fraction"],
    when: (cfg) => cfg.optim.sam_rho === null,
    because: () => "optim.sam_rho is null (no SAM)",
    causes: ["optim.sam_rho"],
  },
  // One row per optimizer-specific key (optim/table.ts): the optimizers that do not read it ignore it.
  ...OPTIMIZER_KEYS.map(
    (key): InertRule => ({
      keys: [key],
      when: (cfg) => !optimizerReads(cfg.optim.name ?? "sgd", key),
      because: (cfg) => `optim.name is ${cfg.optim.name}, which does not read it`,
      causes: ["optim.name"],
    }),
  ),
  {
    // With μ = 0 both updates are the gradient itself.
    keys: ["optim.nesterov"],
    when: (cfg) => cfg.optim.momentum === 0 && optimizerReads(cfg.optim.name ?? "sgd", "optim.nesterov"),
    because: () => "optim.momentum is 0",
    causes: ["optim.momentum"],
  },
  {
    keys: ["train.epochs"],
    when: (cfg) => cfg.train.steps !== null,
    because: () => "train.steps is set",
    causes: ["train.steps"],
  },
  {
    keys: ["data.path"],
    when: (cfg) => !datasetFacts(cfg.data.name)?.readsPath,
    because: notReadBy,
    causes: ["data.name"],
  },
  {
    keys: ["data.image_size"],
    when: (cfg) => !datasetFacts(cfg.data.name)?.readsImageSize,
    because: notReadBy,
    causes: ["data.name"],
  },
];

/**
 * Writes "no clipping" in its one spelling: it has two (granularity none, λ null; agc.ts clippingOff), and the
 * canonical form has both, so that they hash alike.
 */
export function writeNoClipping(cfg: RunConfig): void {
  if (!clippingOff(cfg.agc)) return;
  cfg.agc.granularity = "none";
  cfg.agc.lambda = null;
}

/** Why each spelling of "no clipping" makes the other key change nothing (see writeNoClipping). */
export const NO_CLIPPING_SPELLINGS: readonly InertRule[] = [
  {
    keys: ["agc.lambda"],
    when: (cfg) => clippingOff(cfg.agc),
    because: () => "agc.granularity is none",
    causes: ["agc.granularity"],
  },
  {
    keys: ["agc.granularity"],
    when: (cfg) => clippingOff(cfg.agc),
    because: () => "agc.lambda is null",
    causes: ["agc.lambda"],
  },
];
