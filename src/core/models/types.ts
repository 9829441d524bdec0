// The contract between the model zoo and everything that trains or clips a model.
import type { tf } from "../engine/tf.js";

/**
 * What a parameter is, so that AGC exclusions and weight-decay rules name roles, not string patterns.
 * - `stem_conv`: weights of the stem's convs (the first conv of the network is the first `stem_conv`).
 * - `body_conv`: weights of convs inside residual blocks and the head's final conv.
 * - `shortcut_conv`: weights of 1×1 projection convs on the shortcut.
 * - `se_weight` / `se_bias`: squeeze-excite linear layers (not standardized).
 * - `gain`: per-output-channel gains of scaled WS convs; `bias`: their biases.
 * - `skip_gain`: the scalar skip-init gain at the end of each residual branch.
 * - `classifier_weight` / `classifier_bias`: the final dense layer.
 * - `bn_scale` / `bn_offset`: BatchNorm γ/β (BN baseline only).
 * - `bn_mean` / `bn_var`: BatchNorm running statistics; these appear only in `Model.state`, never in `params`.
 */
export const PARAM_ROLES = [
  "stem_conv",
  "body_conv",
  "shortcut_conv",
  "se_weight",
  "se_bias",
  "gain",
  "bias",
  "skip_gain",
  "classifier_weight",
  "classifier_bias",
  "bn_scale",
  "bn_offset",
  "bn_mean",
  "bn_var",
] as const;
export type ParamRole = (typeof PARAM_ROLES)[number];

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
