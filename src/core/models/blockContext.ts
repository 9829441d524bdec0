// What a block needs besides its own plan while the network runs.
import type { ActivationName } from "./activations.js";
import type { ParamStore } from "./paramStore.js";
import type { ModelForms } from "./spec.js";

export interface BlockContext {
  params: ParamStore;
  state: ParamStore;
  activation: ActivationName;
  /** The GELU form (ModelSpec.forms); absent = official. */
  forms?: ModelForms;
  training: boolean;
  /** Seed for this block's stochastic-depth mask. */
  seed: number;
  /** Index of the input's first example in the logical batch (masks are drawn per example). */
  exampleOffset: number;
}
