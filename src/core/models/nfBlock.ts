// Normalizer-free pre-activation residual block (`nfnet.NFBlock`, `nf_resnet.NFResBlock`):
//   out = act(x)·β;  shortcut = [avgpool] 1×1 conv(out) when the shape changes, else x;
//   residual = [SE](conv2(act(conv1b(act(conv1(act(conv0(out)))))))) ;
//   return stochdepth(residual)·skip_gain·α + shortcut.
// β = 1/expected_std makes every block's input N(0,1)-like at init; α sets how fast the variance grows.
// Where nfx's wasm kernels run, each conv's bias is added inside the activation after it and the last line is one
// kernel (engine/ops/scaledRelu.ts, residualMerge.ts); elsewhere the same formulas run as tfjs ops.
import { addBias } from "../engine/ops/biasAdd.js";
import { residualMerge, residualMergeApplies } from "../engine/ops/residualMerge.js";
import { tf } from "../engine/tf.js";
import { activate } from "./activations.js";
import { avgPool2x2Same } from "./avgPool.js";
import type { BlockContext } from "./blockContext.js";
import type { BlockPlan, ParamPlan } from "./plan.js";
import { applySqueezeExcite } from "./squeezeExcite.js";
import { keepMask, stochasticDepth } from "./stochasticDepth.js";
import { applyConv, applyConvUnbiased } from "./wsConv.js";

export interface BlockOutput {
  output: tf.Tensor4D;
  /** The residual branch before stochastic depth, skip gain and α (for signal-propagation plots). */
  residual: tf.Tensor4D;
}

export function applyNfBlock(plan: BlockPlan, ctx: BlockContext, x: tf.Tensor4D): BlockOutput {
  const { params } = ctx;
  const act = (t: tf.Tensor4D, post = 1, bias: tf.Tensor1D | null = null) =>
    activate(t, ctx.activation, true, ctx.forms, post, bias);
  const out = act(x, plan.beta);
  const src = plan.shortcut && plan.shortcutPool ? avgPool2x2Same(out) : out;
  // The shortcut conv's bias is added by the merge at the end (one fused kernel where it can be).
  const shortcut = plan.shortcut ? applyConvUnbiased(plan.shortcut, params, src) : { y: x, bias: null };
  // Each body conv's bias is added by the activation that follows it (one fused kernel where it can be).
  let h = out;
  plan.convs.forEach((conv, i) => {
    const last = i === plan.convs.length - 1;
    const input = h;
    if (last) h = applyConv(conv, params, input);
    else {
      const pre = applyConvUnbiased(conv, params, input);
      h = act(pre.y, 1, pre.bias);
    }
  });
  if (plan.se) h = applySqueezeExcite(plan.se, params, h);
  if (!plan.skipGain) throw new Error(`${plan.name}: a normalizer-free block needs a skip gain`);
  return { output: merge(plan, ctx, h, shortcut.y, shortcut.bias), residual: h };
}

/** residual·[stochastic depth]·skip_gain·α + shortcut (+ the shortcut conv's bias). */
function merge(
  plan: BlockPlan,
  ctx: BlockContext,
  residual: tf.Tensor4D,
  shortcut: tf.Tensor4D,
  shortcutBias: tf.Tensor1D | null,
): tf.Tensor4D {
  const gain = ctx.params.get(plan.skipGain as ParamPlan);
  if (residualMergeApplies(residual, gain, shortcut, shortcutBias)) {
    const n = residual.shape[0];
    const keep = keepMask(n, plan.stochDepthRate, ctx.training, ctx.seed, ctx.exampleOffset);
    return residualMerge(residual, gain, plan.alpha, shortcut, shortcutBias, keep ?? new Float32Array(n).fill(1));
  }
  const s = shortcutBias ? addBias(shortcut, shortcutBias) : shortcut;
  const h = stochasticDepth(residual, plan.stochDepthRate, ctx.training, ctx.seed, ctx.exampleOffset);
  return tf.add(tf.mul(tf.mul(h, gain), plan.alpha), s) as tf.Tensor4D;
}
