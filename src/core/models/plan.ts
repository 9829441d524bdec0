// The symbolic network: every layer's shapes, parameters (with role, layer and initializer), resolution and
// multiply-accumulates, derived from a ModelSpec without allocating anything. Counting (count.ts) sums it;
// building (build.ts) instantiates it — so the counted network is, by construction, the built one.
// planModel lays it out in three steps: stem → body (stage by stage, block by block) → head.
import {
  type BatchNormPlan,
  type ConvPlan,
  type DensePlan,
  type HW,
  type ParamPlan,
  Planner,
  type SqueezeExcitePlan,
  strided,
} from "./layers.js";
import type { ModelSpec } from "./spec.js";

// A plan's parts are planned by layers.ts; re-exported so that a plan's reader imports one file.
export type { BatchNormPlan, ConvPlan, DensePlan, HW, ParamInit, ParamPlan, SqueezeExcitePlan } from "./layers.js";

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

/** The activation flowing through the network: its resolution and channels. */
interface Feature {
  hw: HW;
  ch: number;
}

/** Lays out the network for an input of `inputShape` ([h, w, c]) and `numClasses` outputs: stem → blocks → head. */
export function planModel(spec: ModelSpec, opts: PlanOptions): ModelPlan {
  const p = new Planner(spec);
  const [h, w, c] = opts.inputShape;
  const stem = planStem(p, { hw: [h, w], ch: c });
  const body = planBody(p, stem.out);
  const head = planHead(p, body.out, opts.numClasses);
  return {
    spec,
    inputShape: opts.inputShape,
    numClasses: opts.numClasses,
    stem: stem.convs,
    stemNorms: stem.norms,
    stemPool: spec.stemPool,
    stemOutHW: stem.out.hw,
    blocks: body.blocks,
    headNorm: head.norm,
    finalConv: head.finalConv,
    finalConvNorm: head.finalConvNorm,
    featureChannels: head.featureChannels,
    classifier: head.classifier,
    params: p.params,
    state: p.state,
    macs: p.macs,
  };
}

/** The stem: its convs (BN: a norm after each but the last), then the optional 3×3/2 max pool. */
function planStem(p: Planner, input: Feature): { convs: ConvPlan[]; norms: BatchNormPlan[]; out: Feature } {
  const spec = p.spec;
  const convs: ConvPlan[] = [];
  const norms: BatchNormPlan[] = [];
  let { hw, ch } = input;
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
    convs.push(conv);
    if (spec.norm !== "none" && i < spec.stem.length - 1) norms.push(p.batchNorm(`stem.bn${i}`, s.width));
    hw = conv.outHW;
    ch = s.width;
  });
  if (spec.stemPool) hw = strided(hw, 2);
  return { convs, norms, out: { hw, ch } };
}

/** Where a block sits in the body, and what the body's signal bookkeeping gives it. */
interface BlockSlot {
  name: string;
  index: number;
  stage: number;
  blockInStage: number;
  stride: number;
  outCh: number;
  beta: number;
  expectedOutputVar: number;
  stochDepthRate: number;
}

/**
 * The body: stage after stage, `depths[s]` blocks of `widths[s]` channels, the first strided. NF blocks take
 * β = 1/expected std of their input, which grows by α² in variance per block (the official bookkeeping).
 */
function planBody(p: Planner, input: Feature): { blocks: BlockPlan[]; out: Feature } {
  const spec = p.spec;
  const nf = spec.norm === "none";
  const blocks: BlockPlan[] = [];
  const numBlocks = spec.depths.reduce((a, b) => a + b, 0);
  let x = input;
  let expectedStd = 1;
  spec.depths.forEach((depth, s) => {
    for (let b = 0; b < depth; b++) {
      const index = blocks.length;
      const beta = nf ? 1 / expectedStd : 1;
      // Reset after the transition block, but still give it one block of growth (official bookkeeping).
      if (b === 0) expectedStd = 1;
      expectedStd = Math.sqrt(expectedStd ** 2 + spec.alpha ** 2);
      const block = planBlock(p, x, {
        name: `stage${s + 1}.block${b}`,
        index,
        stage: s + 1,
        blockInStage: b,
        stride: b === 0 ? (spec.strides[s] as number) : 1,
        outCh: spec.widths[s] as number,
        beta,
        expectedOutputVar: expectedStd ** 2,
        stochDepthRate: (spec.stochDepth * index) / numBlocks,
      });
      blocks.push(block);
      x = { hw: block.outHW, ch: block.outCh };
    }
  });
  return { blocks, out: x };
}

/**
 * One residual block on `x`: [BN pre-norm], [shortcut conv], the bottleneck convs, [squeeze-excite], [NF skip gain],
 * its parameters planned in that order.
 */
function planBlock(p: Planner, x: Feature, slot: BlockSlot): BlockPlan {
  const spec = p.spec;
  const nf = spec.norm === "none";
  const { name, stride, outCh } = slot;
  const width = Math.floor(outCh * spec.bottleneckRatio);
  const groups = spec.groupWidth > 0 ? width / spec.groupWidth : 1;
  if (!Number.isInteger(groups) || groups < 1) {
    throw new Error(`${name}: bottleneck width ${width} is not divisible by group width ${spec.groupWidth}`);
  }
  const inHW = x.hw;
  const outHW = strided(inHW, stride);
  const macsBefore = p.macs;
  const preNorm = nf ? null : p.batchNorm(`${name}.bn_in`, x.ch);
  let shortcut: ConvPlan | null = null;
  const shortcutPool = stride > 1 && spec.shortcut === "avgpool";
  if (stride > 1 || x.ch !== outCh) {
    const opts = shortcutPool
      ? { kernel: 1, stride: 1, groups: 1, cin: x.ch, cout: outCh, inHW: outHW }
      : { kernel: 1, stride, groups: 1, cin: x.ch, cout: outCh, inHW };
    shortcut = p.conv(`${name}.conv_shortcut`, "shortcut_conv", opts);
  }
  const { convs, convNorms } = planBottleneck(p, name, x, { width, groups, stride, outCh, outHW });
  const se = spec.se ? planSqueezeExcite(p, name, outCh) : null;
  const skipGain = nf
    ? p.param(name, "skip_gain", "skip_gain", [], { kind: "constant", value: spec.skipGainInit })
    : null;
  return {
    name,
    index: slot.index,
    stage: slot.stage,
    blockInStage: slot.blockInStage,
    stride,
    inCh: x.ch,
    outCh,
    width,
    groups,
    beta: slot.beta,
    alpha: nf ? spec.alpha : 1,
    expectedOutputVar: slot.expectedOutputVar,
    stochDepthRate: slot.stochDepthRate,
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
  };
}

/**
 * A block's convs — conv0 (1×1), conv1 (3×3, strided, grouped), [conv1b (3×3, grouped)], conv2 (1×1) — and, for
 * BN, the norms after all but the last.
 */
function planBottleneck(
  p: Planner,
  name: string,
  x: Feature,
  o: { width: number; groups: number; stride: number; outCh: number; outHW: HW },
): { convs: ConvPlan[]; convNorms: BatchNormPlan[] } {
  const { width, groups, stride, outCh, outHW } = o;
  const inHW = x.hw;
  const convs: ConvPlan[] = [];
  const convNorms: BatchNormPlan[] = [];
  const add = (conv: ConvPlan, last: boolean) => {
    convs.push(conv);
    if (p.spec.norm !== "none" && !last) convNorms.push(p.batchNorm(`${conv.layer}_bn`, conv.cout));
  };
  add(p.conv(`${name}.conv0`, "body_conv", { kernel: 1, stride: 1, groups: 1, cin: x.ch, cout: width, inHW }), false);
  add(p.conv(`${name}.conv1`, "body_conv", { kernel: 3, stride, groups, cin: width, cout: width, inHW }), false);
  if (p.spec.secondConv) {
    const conv1b = { kernel: 3, stride: 1, groups, cin: width, cout: width, inHW: outHW };
    add(p.conv(`${name}.conv1b`, "body_conv", conv1b), false);
  }
  add(
    p.conv(`${name}.conv2`, "body_conv", { kernel: 1, stride: 1, groups: 1, cin: width, cout: outCh, inHW: outHW }),
    true,
  );
  return { convs, convNorms };
}

/** Squeeze-excite on a block's `channels` outputs: two dense layers through a hidden width of seRatio·channels. */
function planSqueezeExcite(p: Planner, name: string, channels: number): SqueezeExcitePlan {
  const hidden = Math.max(1, Math.floor(channels * p.spec.seRatio));
  const fc0 = p.dense(`${name}.se.fc0`, channels, hidden, "se");
  const fc1 = p.dense(`${name}.se.fc1`, hidden, channels, "se");
  return { layer: `${name}.se`, channels, hidden, fc0, fc1, macs: fc0.macs + fc1.macs };
}

/** The head: [BN norm], [final 1×1 conv (and its BN norm)], then the classifier on the pooled features. */
function planHead(
  p: Planner,
  x: Feature,
  numClasses: number,
): Pick<ModelPlan, "finalConv" | "finalConvNorm" | "featureChannels" | "classifier"> & { norm: BatchNormPlan | null } {
  const spec = p.spec;
  const nf = spec.norm === "none";
  const norm = nf ? null : p.batchNorm("head.bn", x.ch);
  let ch = x.ch;
  let finalConv: ConvPlan | null = null;
  let finalConvNorm: BatchNormPlan | null = null;
  if (spec.finalConvMult > 0) {
    const cout = Math.round(ch * spec.finalConvMult);
    finalConv = p.conv("head.final_conv", "body_conv", { kernel: 1, stride: 1, groups: 1, cin: ch, cout, inHW: x.hw });
    if (!nf) finalConvNorm = p.batchNorm("head.final_conv_bn", cout);
    ch = cout;
  }
  const classifier = p.dense("head.classifier", ch, numClasses, "classifier");
  return { norm, finalConv, finalConvNorm, featureChannels: ch, classifier };
}
