// The optimizers nfx trains with, one row each: how to build it and which `optim.*` keys it reads. The config
// leaves the keys an optimizer does not read out of a run's identity (config/inert.ts), so a run's hash names only
// what trained it. Every optimizer steps on the clipped gradient: clipping acts on the raw gradient, before any
// optimizer's own transformation (train/step.ts).
import type { tf } from "../engine/tf.js";
import { Adam } from "./adam.js";
import { adamw } from "./adamw.js";
import { Lars } from "./lars.js";
import type { Optimizer, OptimizerSettings } from "./optimizer.js";
import { Sgd } from "./sgd.js";

export const OPTIMIZER_NAMES = ["sgd", "lars", "adam", "adamw"] as const;
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];

export interface OptimizerRow {
  /**
   * Builds it over `vars`; `weights[i]` says whether variable i is a weight (decayed; LARS's trust ratio) or a
   * gain, bias or skip gain.
   */
  create(vars: readonly tf.Variable[], weights: readonly boolean[], s: OptimizerSettings): Optimizer;
  /** The optimizer-specific `optim.*` keys it reads (optim.lr, weight_decay and the schedule are everyone's). */
  keys: readonly string[];
  /** One line: what it is and its source. */
  doc: string;
}

export const OPTIMIZERS: Readonly<Record<OptimizerName, OptimizerRow>> = {
  sgd: {
    create: (vars, weights, s) => new Sgd(vars, weights, s),
    keys: ["optim.momentum", "optim.nesterov"],
    doc: "SGD with (Nesterov) momentum, L2 decay in the gradient (the paper's recipe)",
  },
  lars: {
    create: (vars, weights, s) => new Lars(vars, weights, s),
    keys: ["optim.momentum", "optim.trust"],
    doc: "LARS (You et al. 2017, Algorithm 1): layer-wise trust ratio η·‖W‖/(‖G‖ + β·‖W‖) on weights, heavy-ball momentum",
  },
  adam: {
    create: (vars, weights, s) => new Adam(vars, weights, s),
    keys: ["optim.beta1", "optim.beta2", "optim.eps"],
    doc: "Adam (Kingma & Ba 2015; torch.optim.Adam), L2 decay in the gradient",
  },
  adamw: {
    create: (vars, weights, s) => adamw(vars, weights, s),
    keys: ["optim.beta1", "optim.beta2", "optim.eps"],
    doc: "AdamW (Loshchilov & Hutter 2019; torch.optim.AdamW), decoupled decay",
  },
};

/** Every optimizer-specific key, in first-use order: each is inert for the optimizers that do not read it. */
export const OPTIMIZER_KEYS: readonly string[] = [...new Set(Object.values(OPTIMIZERS).flatMap((o) => o.keys))];

/** Whether optimizer `name` reads `key`. */
export function optimizerReads(name: OptimizerName, key: string): boolean {
  return OPTIMIZERS[name].keys.includes(key);
}
