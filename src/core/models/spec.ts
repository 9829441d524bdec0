// A model as data. Every variant in the zoo — and every user-defined one — is one of these; the plan (plan.ts)
// turns it into layer shapes, and the builder (build.ts) into tfjs variables.
import type { ActivationName } from "./activations.js";

/** One conv of the stem. */
export interface StemConvSpec {
  width: number;
  kernel: number;
  stride: number;
}

/** `none`: normalizer-free (scaled WS convs, β/α, skip gain). `batch`: the BatchNorm baseline. */
export type NormKind = "none" | "batch";

/**
 * How a strided block's shortcut downsamples: `avgpool` = 2×2/2 average pool then 1×1 conv (NFNet);
 * `strided` = strided 1×1 conv (ResNet).
 */
export type ShortcutKind = "avgpool" | "strided";

/**
 * Which formulas the normalizer-free layers use. `official` (the default; DeepMind's `nfnets/base.py`): scaled WS
 * Ŵ = gain·(W − μ)·rsqrt(max(N·var, 1e-4)) and GELU in its tanh form. `timm` (timm's `ScaledStdConv2dSame`, eps
 * 1e-5 for `dm_nfnet_*`, and `nn.GELU`): Ŵ = gain·(W − μ)·N^-½/sqrt(var + 1e-5) and GELU in its erf form
 * ½x(1 + erf(x/√2)); with them nfx computes what timm computes for timm's weights. N = fan-in, var biased.
 */
export type ModelForms = "official" | "timm";
export const MODEL_FORMS: readonly ModelForms[] = ["official", "timm"];

export interface ModelSpec {
  /** The variant's name, or `custom` when overrides changed it. */
  name: string;
  /** The table row it was derived from. */
  base: string;
  /** Display family: `nfnet`, `nf-resnet`, `bn-resnet`. */
  family: string;
  norm: NormKind;
  stem: StemConvSpec[];
  /**
   * Whether the stem's WS convs carry a bias. True in every row, as in the official code, whose `WSConv2D` always
   * adds one; `false` is an ablation. BatchNorm networks have no conv biases whatever this says.
   */
  stemBias: boolean;
  /** 3×3/2 max-pool after the stem (ResNets). */
  stemPool: boolean;
  depths: number[];
  widths: number[];
  strides: number[];
  /** Bottleneck width = ratio × block output width (NFNet 0.5, ResNet 0.25). */
  bottleneckRatio: number;
  /** Channels per group of the 3×3 convs; 0 for ordinary (ungrouped) convs. */
  groupWidth: number;
  /** NFNet's second 3×3 conv in each block. */
  secondConv: boolean;
  se: boolean;
  /** SE hidden width = ratio × block output width. */
  seRatio: number;
  shortcut: ShortcutKind;
  activation: ActivationName;
  alpha: number;
  /** Maximum stochastic-depth drop rate; block i of N drops with rate stochDepth·i/N. */
  stochDepth: number;
  /** Dropout rate before the classifier. */
  dropout: number;
  /** Head 1×1 conv width = mult × last stage width; 0 for no head conv. */
  finalConvMult: number;
  /** Scaled weight standardization (turn off to see signal propagation break). */
  ws: boolean;
  /** The WS and GELU formulas (see ModelForms); absent = `official`, as in every table row. */
  forms?: ModelForms;
  /** Initial value of each block's skip gain (0 = SkipInit; 1 shows the residual branches in SPP plots). */
  skipGainInit: number;
  trainPx: number;
  testPx: number;
  /** Defaults for counting and building when the caller gives none (ImageNet: 3 channels, 1000 classes). */
  inChannels: number;
  numClasses: number;
}
