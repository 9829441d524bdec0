// Normalizer-free pre-activation residual block (`nfnet.NFBlock`, `nf_resnet.NFResBlock`):
//   out = act(x)·β;  shortcut = [avgpool] 1×1 conv(out) when the shape changes, else x;
//   residual = [SE](conv2(act(conv1b(act(conv1(act(conv0(out)))))))) ;
//   return stochdepth(residual)·skip_gain·α + shortcut.
// β = 1/expected_std makes every block's input N(0,1)-like at init; α sets how fast the variance grows.
import { tf } from "../engine/tf.js";
import { activate } from "./activations.js";
import { avgPool2x2Same } from "./avgPool.js";
import type { BlockContext } from "./blockContext.js";
import type { BlockPlan } from "./plan.js";
import { applySqueezeExcite } from "./squeezeExcite.js";
import { stochasticDepth } from "./stochasticDepth.js";
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
  let shortcut = x;
  if (plan.shortcut) {
    const src = plan.shortcutPool ? avgPool2x2Same(out) : out;
    shortcut = applyConv(plan.shortcut, params, src);
  }
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
  const residual = h;
  h = stochasticDepth(h, plan.stochDepthRate, ctx.training, ctx.seed, ctx.exampleOffset);
  if (!plan.skipGain) throw new Error(`${plan.name}: a normalizer-free block needs a skip gain`);
  const scaled = tf.mul(tf.mul(h, params.get(plan.skipGain)), plan.alpha) as tf.Tensor4D;
  return { output: tf.add(scaled, shortcut) as tf.Tensor4D, residual };
}
