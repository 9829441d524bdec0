// The symbolic network: every layer's shapes, parameters (with role, layer and initializer), resolution and
// multiply-accumulates, derived from a ModelSpec without allocating anything. Counting (count.ts) sums it;
// building (build.ts) instantiates it — so the counted network is, by construction, the built one.
import type { ModelSpec } from "./spec.js";
import type { ParamRole } from "./types.js";

/**
 * How a parameter starts. `normal`: N(0, std²). `truncatedNormal`: N(0, std²) redrawn outside ±2·std (Haiku's
 * `TruncatedNormal`, whose std is that of the untruncated normal: the values' std is ≈0.88·std). `constant`: filled.
 */
export type ParamInit =
  | { kind: "normal"; std: number }
  | { kind: "truncatedNormal"; std: number }
  | { kind: "constant"; value: number };

export interface ParamPlan {
  name: string;
  role: ParamRole;
  layer: string;
  shape: number[];
  init: ParamInit;
}

export type HW = [number, number];

export interface ConvPlan {
  layer: string;
  kernel: number;
  stride: number;
  groups: number;
  cin: number;
  cout: number;
  inHW: HW;
  outHW: HW;
  /** Scaled weight standardization on the kernel (NF convs with `ws`). */
  standardize: boolean;
  /** Set to `timm` when WS uses timm's formula (ModelSpec.forms); absent for the official one. */
  wsForm?: "timm";
  weight: ParamPlan;
  gain: ParamPlan | null;
  bias: ParamPlan | null;
  macs: number;
}

export interface DensePlan {
  layer: string;
  cin: number;
  cout: number;
  weight: ParamPlan;
  bias: ParamPlan;
  macs: number;
}

export interface BatchNormPlan {
  layer: string;
  channels: number;
  scale: ParamPlan;
  offset: ParamPlan;
  /** Running statistics: state, not trained. */
  mean: ParamPlan;
  variance: ParamPlan;
}

export interface SqueezeExcitePlan {
  layer: string;
  channels: number;
  hidden: number;
  fc0: DensePlan;
  fc1: DensePlan;
  macs: number;
}

export interface BlockPlan {
  /** `stage1.block0`, … */
  name: string;
  /** Index over all blocks of the network. */
  index: number;
  /** 1-based stage number. */
  stage: number;
  /** 0 for a stage's first (transition) block. */
  blockInStage: number;
  stride: number;
  inCh: number;
  outCh: number;
  /** Width of the bottleneck convs. */
  width: number;
  groups: number;
  /** Input pre-multiplier 1/expected_std (NF), 1 for BN. */
  beta: number;
  alpha: number;
  /** Variance the β/α bookkeeping expects of this block's output at init when skip gains are 1. */
  expectedOutputVar: number;
  stochDepthRate: number;
  /** BN only: the pre-activation norm. */
  preNorm: BatchNormPlan | null;
  shortcut: ConvPlan | null;
  /** Whether the shortcut average-pools 2×2/2 before its 1×1 conv. */
  shortcutPool: boolean;
  /** conv0 (1×1), conv1 (3×3, strided, grouped), [conv1b (3×3, grouped)], conv2 (1×1). */
  convs: ConvPlan[];
  /** BN only: the norms after every conv of `convs` except the last. */
  convNorms: BatchNormPlan[];
  se: SqueezeExcitePlan | null;
  /** NF only: the SkipInit scalar. */
  skipGain: ParamPlan | null;
  inHW: HW;
  outHW: HW;
  macs: number;
}

export interface ModelPlan {
  spec: ModelSpec;
  inputShape: [number, number, number];
  numClasses: number;
  stem: ConvPlan[];
  /** BN only: norms after every stem conv but the last (there the first block's pre-activation takes over). */
  stemNorms: BatchNormPlan[];
  stemPool: boolean;
  stemOutHW: HW;
  blocks: BlockPlan[];
  /** BN only: norm on the last block's output before the head activation. */
  headNorm: BatchNormPlan | null;
  finalConv: ConvPlan | null;
  finalConvNorm: BatchNormPlan | null;
  featureChannels: number;
  classifier: DensePlan;
  /** Trainable parameters, in a stable order. */
  params: ParamPlan[];
  /** Non-trainable state (BN running statistics). */
  state: ParamPlan[];
  macs: number;
}

export interface PlanOptions {
  inputShape: [number, number, number];
  numClasses: number;
}

/** SAME padding: the output has ⌈size/stride⌉ rows and columns. */
function strided(hw: HW, stride: number): HW {
  return [Math.ceil(hw[0] / stride), Math.ceil(hw[1] / stride)];
}

class Planner {
  readonly params: ParamPlan[] = [];
  readonly state: ParamPlan[] = [];
  macs = 0;
  constructor(readonly spec: ModelSpec) {}

  param(layer: string, suffix: string, role: ParamRole, shape: number[], init: ParamInit): ParamPlan {
    const p: ParamPlan = { name: `${layer}.${suffix}`, role, layer, shape, init };
    this.params.push(p);
    return p;
  }

  stateParam(layer: string, suffix: string, role: ParamRole, shape: number[], value: number): ParamPlan {
    const p: ParamPlan = { name: `${layer}.${suffix}`, role, layer, shape, init: { kind: "constant", value } };
    this.state.push(p);
    return p;
  }

  conv(
    layer: string,
    role: ParamRole,
    o: { kernel: number; stride: number; groups: number; cin: number; cout: number; inHW: HW; bias?: boolean },
  ): ConvPlan {
    const { kernel, stride, groups, cin, cout, inHW } = o;
    if (cin % groups !== 0 || cout % groups !== 0) {
      throw new Error(`${layer}: ${cin}→${cout} channels are not divisible into ${groups} groups`);
    }
    const fanIn = kernel * kernel * (cin / groups);
    const outHW = strided(inHW, stride);
    const nf = this.spec.norm === "none";
    // NF: W ~ N(0, 1/fan_in), the official WSConv2D's VarianceScaling(1.0, 'fan_in', 'normal') (WS makes the scale
    // irrelevant, and without WS this is what keeps γ-scaled activations variance-preserving). BN: He init
    // N(0, 2/fan_in) for the unscaled ReLU.
    const std = Math.sqrt((nf ? 1 : 2) / fanIn);
    const weight = this.param(layer, "w", role, [kernel, kernel, cin / groups, cout], { kind: "normal", std });
    // BN convs need no affine terms: the norm that follows supplies them.
    const gain = nf ? this.param(layer, "gain", "gain", [cout], { kind: "constant", value: 1 }) : null;
    const bias =
      nf && o.bias !== false ? this.param(layer, "bias", "bias", [cout], { kind: "constant", value: 0 }) : null;
    const macs = outHW[0] * outHW[1] * cout * (cin / groups) * kernel * kernel;
    this.macs += macs;
    return {
      layer,
      kernel,
      stride,
      groups,
      cin,
      cout,
      inHW,
      outHW,
      standardize: nf && this.spec.ws,
      ...(nf && this.spec.ws && this.spec.forms === "timm" ? { wsForm: "timm" as const } : {}),
      weight,
      gain,
      bias,
      macs,
    };
  }

  dense(layer: string, cin: number, cout: number, kind: "se" | "classifier"): DensePlan {
    const [wRole, bRole]: [ParamRole, ParamRole] =
      kind === "se" ? ["se_weight", "se_bias"] : ["classifier_weight", "classifier_bias"];
    // SE linears: hk.Linear's default, a normal of std 1/sqrt(fan_in) truncated at ±2 std (the official SE passes no
    // w_init); classifier: N(0, 0.01²), the official fc_init.
    const init: ParamInit =
      kind === "se" ? { kind: "truncatedNormal", std: 1 / Math.sqrt(cin) } : { kind: "normal", std: 0.01 };
    const weight = this.param(layer, "w", wRole, [cin, cout], init);
    const bias = this.param(layer, "b", bRole, [cout], { kind: "constant", value: 0 });
    const macs = cin * cout;
    this.macs += macs;
    return { layer, cin, cout, weight, bias, macs };
  }

  batchNorm(layer: string, channels: number): BatchNormPlan {
    return {
      layer,
      channels,
      scale: this.param(layer, "scale", "bn_scale", [channels], { kind: "constant", value: 1 }),
      offset: this.param(layer, "offset", "bn_offset", [channels], { kind: "constant", value: 0 }),
      mean: this.stateParam(layer, "running_mean", "bn_mean", [channels], 0),
      variance: this.stateParam(layer, "running_var", "bn_var", [channels], 1),
    };
  }
}

/** Lays out the network for an input of `inputShape` ([h, w, c]) and `numClasses` outputs. */
export function planModel(spec: ModelSpec, opts: PlanOptions): ModelPlan {
  const p = new Planner(spec);
  const nf = spec.norm === "none";
  const [h, w, c] = opts.inputShape;
  let hw: HW = [h, w];
  let ch = c;

  const stem: ConvPlan[] = [];
  const stemNorms: BatchNormPlan[] = [];
  spec.stem.forEach((s, i) => {
    const conv = p.conv(`stem.conv${i}`, "stem_conv", {
      kernel: s.kernel,
      stride: s.stride,
      groups: 1,
      cin: ch,
      cout: s.width,
      inHW: hw,
      bias: spec.stemBias,
    });
    stem.push(conv);
    if (!nf && i < spec.stem.length - 1) stemNorms.push(p.batchNorm(`stem.bn${i}`, s.width));
    hw = conv.outHW;
    ch = s.width;
  });
  if (spec.stemPool) hw = strided(hw, 2);
  const stemOutHW = hw;

  const blocks: BlockPlan[] = [];
  const numBlocks = spec.depths.reduce((a, b) => a + b, 0);
  let expectedStd = 1;
  let index = 0;
  spec.depths.forEach((depth, s) => {
    const outCh = spec.widths[s] as number;
    for (let b = 0; b < depth; b++) {
      const name = `stage${s + 1}.block${b}`;
      const stride = b === 0 ? (spec.strides[s] as number) : 1;
      const width = Math.floor(outCh * spec.bottleneckRatio);
      const groups = spec.groupWidth > 0 ? width / spec.groupWidth : 1;
      if (!Number.isInteger(groups) || groups < 1) {
        throw new Error(`${name}: bottleneck width ${width} is not divisible by group width ${spec.groupWidth}`);
      }
      const inHW = hw;
      const outHW = strided(hw, stride);
      const macsBefore = p.macs;
      const beta = nf ? 1 / expectedStd : 1;
      // Reset after the transition block, but still give it one block of growth (official bookkeeping).
      if (b === 0) expectedStd = 1;
      expectedStd = Math.sqrt(expectedStd ** 2 + spec.alpha ** 2);

      const preNorm = nf ? null : p.batchNorm(`${name}.bn_in`, ch);
      let shortcut: ConvPlan | null = null;
      const shortcutPool = stride > 1 && spec.shortcut === "avgpool";
      if (stride > 1 || ch !== outCh) {
        const opts = shortcutPool
          ? { kernel: 1, stride: 1, groups: 1, cin: ch, cout: outCh, inHW: outHW }
          : { kernel: 1, stride, groups: 1, cin: ch, cout: outCh, inHW };
        shortcut = p.conv(`${name}.conv_shortcut`, "shortcut_conv", opts);
      }
      const convs: ConvPlan[] = [];
      const convNorms: BatchNormPlan[] = [];
      const add = (conv: ConvPlan, last: boolean) => {
        convs.push(conv);
        if (!nf && !last) convNorms.push(p.batchNorm(`${conv.layer}_bn`, conv.cout));
      };
      add(p.conv(`${name}.conv0`, "body_conv", { kernel: 1, stride: 1, groups: 1, cin: ch, cout: width, inHW }), false);
      add(p.conv(`${name}.conv1`, "body_conv", { kernel: 3, stride, groups, cin: width, cout: width, inHW }), false);
      if (spec.secondConv) {
        const conv1b = { kernel: 3, stride: 1, groups, cin: width, cout: width, inHW: outHW };
        add(p.conv(`${name}.conv1b`, "body_conv", conv1b), false);
      }
      add(
        p.conv(`${name}.conv2`, "body_conv", { kernel: 1, stride: 1, groups: 1, cin: width, cout: outCh, inHW: outHW }),
        true,
      );

      let se: SqueezeExcitePlan | null = null;
      if (spec.se) {
        const hidden = Math.max(1, Math.floor(outCh * spec.seRatio));
        const fc0 = p.dense(`${name}.se.fc0`, outCh, hidden, "se");
        const fc1 = p.dense(`${name}.se.fc1`, hidden, outCh, "se");
        se = { layer: `${name}.se`, channels: outCh, hidden, fc0, fc1, macs: fc0.macs + fc1.macs };
      }
      const skipGain = nf
        ? p.param(name, "skip_gain", "skip_gain", [], { kind: "constant", value: spec.skipGainInit })
        : null;
      blocks.push({
        name,
        index,
        stage: s + 1,
        blockInStage: b,
        stride,
        inCh: ch,
        outCh,
        width,
        groups,
        beta,
        alpha: nf ? spec.alpha : 1,
        expectedOutputVar: expectedStd ** 2,
        stochDepthRate: (spec.stochDepth * index) / numBlocks,
        preNorm,
        shortcut,
        shortcutPool,
        convs,
        convNorms,
        se,
        skipGain,
        inHW,
        outHW,
        macs: p.macs - macsBefore,
      });
      hw = outHW;
      ch = outCh;
      index++;
    }
  });

  const headNorm = nf ? null : p.batchNorm("head.bn", ch);
  let finalConv: ConvPlan | null = null;
  let finalConvNorm: BatchNormPlan | null = null;
  if (spec.finalConvMult > 0) {
    const cout = Math.round(ch * spec.finalConvMult);
    finalConv = p.conv("head.final_conv", "body_conv", { kernel: 1, stride: 1, groups: 1, cin: ch, cout, inHW: hw });
    if (!nf) finalConvNorm = p.batchNorm("head.final_conv_bn", cout);
    ch = cout;
  }
  const classifier = p.dense("head.classifier", ch, opts.numClasses, "classifier");
  return {
    spec,
    inputShape: opts.inputShape,
    numClasses: opts.numClasses,
    stem,
    stemNorms,
    stemPool: spec.stemPool,
    stemOutHW,
    blocks,
    headNorm,
    finalConv,
    finalConvNorm,
    featureChannels: ch,
    classifier,
    params: p.params,
    state: p.state,
    macs: p.macs,
  };
}
