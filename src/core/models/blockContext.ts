// What a block needs besides its own plan while the network runs.
import type { ActivationName } from "./activations.js";
import type { ParamStore } from "./paramStore.js";

export interface BlockContext {
  params: ParamStore;
  state: ParamStore;
  activation: ActivationName;
  training: boolean;
  /** Seed for this block's stochastic-depth mask. */
  seed: number;
}
