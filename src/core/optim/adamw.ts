// AdamW: Adam with decoupled weight decay (Loshchilov & Hutter 2019, "Decoupled Weight Decay Regularization",
// arXiv:1711.05101, Algorithm 2), in the form of PyTorch's torch.optim.AdamW (1.13): W ← W·(1 − γ·β) on weights
// only, then Adam's step without decay in the gradient (adam.ts holds the step).

import type { tf } from "../engine/tf.js";
import { Adam, type AdamSettings } from "./adam.js";

export function adamw(vars: readonly tf.Variable[], decay: readonly boolean[], opts: AdamSettings): Adam {
  return new Adam(vars, decay, opts, true);
}
