// The contract between the model zoo and everything that trains or clips a model.

// The role names live with AGC (which must not import models); parameters name them (see agc/roles.ts).
import type { ParamRole } from "../agc/roles.js";
import type { tf } from "../engine/tf.js";

export { PARAM_ROLES, type ParamRole } from "../agc/roles.js";

/** Roles that are weights (decayed by weight decay); the rest are gains, biases and scales. */
export const WEIGHT_ROLES: ReadonlySet<ParamRole> = new Set<ParamRole>([
  "stem_conv",
  "body_conv",
  "shortcut_conv",
  "se_weight",
  "classifier_weight",
]);

export interface Param {
  /** Unique, stable, hierarchical name, e.g. `stage1.block0.conv1.w`. */
  name: string;
  role: ParamRole;
  /** The layer it belongs to (a WS conv's weight, gain and bias share it), e.g. `stem.conv0`. */
  layer: string;
  variable: tf.Variable;
}

export interface ApplyOptions {
  /** Enables dropout and stochastic depth (and BatchNorm batch statistics for the BN baseline). */
  training: boolean;
  /**
   * Seed for dropout / stochastic-depth masks in this call (deterministic runs). Masks are drawn per example from
   * (seed, exampleOffset + row), so splitting a batch into parts with matching offsets gives the same masks.
   */
  seed?: number;
  /** Index of x's first example within the logical batch (default 0): micro-batch k of size m passes k·m. */
  exampleOffset?: number;
  /**
   * Called once per residual block with that block's output and its residual branch (before α and skip gain),
   * for signal-propagation analysis. Tensors are owned by the caller of `apply` (kept inside its tidy).
   */
  onBlock?: (index: number, blockName: string, output: tf.Tensor4D, residual: tf.Tensor4D) => void;
}

export interface Model {
  /** The variant's name (`nf-resnet-micro`, `nfnet-f0`, …) or `custom`. */
  name: string;
  params: Param[];
  /** x: [N,H,W,C] images → logits [N, numClasses]. */
  apply(x: tf.Tensor4D, opts: ApplyOptions): tf.Tensor2D;
  /** BatchNorm running statistics and other non-trainable state (empty for NF models). */
  state: Param[];
  dispose(): void;
}
