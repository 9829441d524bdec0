// The BatchNorm baseline's block: the same topology as the NF block, pre-activation ResNet-v2 style —
// act(BN(x)) feeds the shortcut projection and the branch; BN + act sit between the branch's convs; no WS, β, α or
// skip gain.
import { tf } from "../engine/tf.js";
import { activate } from "./activations.js";
import { avgPool2x2Same } from "./avgPool.js";
import { applyBatchNorm } from "./batchNorm.js";
import type { BlockContext } from "./blockContext.js";
import type { BlockOutput } from "./nfBlock.js";
import type { BlockPlan } from "./plan.js";
import { applySqueezeExcite } from "./squeezeExcite.js";
import { stochasticDepth } from "./stochasticDepth.js";
import { applyConv } from "./wsConv.js";

export function applyBnBlock(plan: BlockPlan, ctx: BlockContext, x: tf.Tensor4D): BlockOutput {
  const { params, state, training } = ctx;
  if (!plan.preNorm) throw new Error(`${plan.name}: a BatchNorm block needs its input norm`);
  const act = (t: tf.Tensor4D) => activate(t, ctx.activation, false);
  const out = act(applyBatchNorm(plan.preNorm, params, state, x, training));
  let shortcut = x;
  if (plan.shortcut) {
    const src = plan.shortcutPool ? avgPool2x2Same(out) : out;
    shortcut = applyConv(plan.shortcut, params, src);
  }
  let h = out;
  plan.convs.forEach((conv, i) => {
    const norm = plan.convNorms[i - 1];
    h = applyConv(conv, params, i === 0 || !norm ? h : act(applyBatchNorm(norm, params, state, h, training)));
  });
  if (plan.se) h = applySqueezeExcite(plan.se, params, h);
  const residual = h;
  h = stochasticDepth(h, plan.stochDepthRate, training, ctx.seed, ctx.exampleOffset);
  return { output: tf.add(h, shortcut) as tf.Tensor4D, residual };
}
