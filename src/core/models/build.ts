// Instantiates a plan: one tf.Variable per planned parameter, initialized deterministically from the seed and the
// parameter's name, and an `apply` that runs stem → blocks → head (applyStem, applyBlocks, applyHead).

import { seedForName } from "../base/random.js";
import { tf } from "../engine/tf.js";
import { activate } from "./activations.js";
import { applyBatchNorm } from "./batchNorm.js";
import type { BlockContext } from "./blockContext.js";
import { applyBnBlock } from "./bnBlock.js";
import { applyDense } from "./dense.js";
import { exampleDropout } from "./exampleMasks.js";
import { applyNfBlock } from "./nfBlock.js";
import { ParamStore } from "./paramStore.js";
import { type ModelPlan, type ParamPlan, planModel } from "./plan.js";
import type { ModelSpec } from "./spec.js";
import type { ApplyOptions, Model, Param } from "./types.js";
import { applyConv } from "./wsConv.js";

export interface BuildOptions {
  numClasses: number;
  /** [h, w, c] of one input image. Convs are resolution-agnostic, but the channel count is fixed. */
  inputShape: [number, number, number];
  /** Initialization seed: the same seed gives the same weights on every backend. */
  seed: number;
}

/** A built model: the contract plus the spec and plan it came from. */
export interface BuiltModel extends Model {
  spec: ModelSpec;
  plan: ModelPlan;
}

function initialValue(p: ParamPlan, seed: number): tf.Tensor {
  if (p.init.kind === "constant") return tf.fill(p.shape, p.init.value);
  // Drawn in JavaScript by tfjs from a seeded generator, hence identical on cpu, wasm and tfjs-node. tfjs's
  // truncatedNormal redraws values beyond 2 std, as jax.random.truncated_normal(-2, 2) that Haiku scales by std.
  const draw = p.init.kind === "truncatedNormal" ? tf.truncatedNormal : tf.randomNormal;
  return draw(p.shape, 0, p.init.std, "float32", seedForName(seed, p.name));
}

function instantiate(plans: ParamPlan[], store: ParamStore, seed: number, trainable: boolean): Param[] {
  return plans.map((p) => {
    const init = initialValue(p, seed);
    const variable = tf.variable(init, trainable);
    init.dispose();
    store.set(p, variable);
    return { name: p.name, role: p.role, layer: p.layer, variable };
  });
}

export function buildModel(spec: ModelSpec, opts: BuildOptions): BuiltModel {
  const plan = planModel(spec, { inputShape: opts.inputShape, numClasses: opts.numClasses });
  const store = new ParamStore();
  const stateStore = new ParamStore();
  const params = instantiate(plan.params, store, opts.seed, true);
  const state = instantiate(plan.state, stateStore, opts.seed, false);
  const net: Network = { spec, plan, params: store, state: stateStore, inChannels: opts.inputShape[2] };
  return {
    name: spec.name,
    spec,
    plan,
    params,
    state,
    apply: (x, o) => applyNetwork(net, x, o),
    dispose() {
      for (const p of [...params, ...state]) p.variable.dispose();
    },
  };
}

/** A built network: its plan and the variables of its parameters and state. */
interface Network {
  spec: ModelSpec;
  plan: ModelPlan;
  params: ParamStore;
  state: ParamStore;
  inChannels: number;
}

/** What one call of `apply` runs with: training or not, the masks' seed and offset, the activation. */
interface Call {
  training: boolean;
  seed: number;
  exampleOffset: number;
  act: (t: tf.Tensor4D) => tf.Tensor4D;
}

/**
 * `apply`: stem → blocks → head. Intermediate tensors are not tidied here: they belong to the caller's tidy (or
 * gradient tape), which is also what lets onBlock's tensors stay valid while the caller inspects them.
 */
function applyNetwork(net: Network, x: tf.Tensor4D, o: ApplyOptions): tf.Tensor2D {
  const { spec, inChannels } = net;
  if (x.rank !== 4 || x.shape[3] !== inChannels) {
    throw new Error(`${spec.name}: expected images [N,H,W,${inChannels}], got [${x.shape.join(",")}]`);
  }
  const nf = spec.norm === "none";
  const call: Call = {
    training: o.training,
    seed: o.seed ?? 0,
    exampleOffset: o.exampleOffset ?? 0,
    act: (t) => activate(t, spec.activation, nf, spec.forms),
  };
  const stemOut = applyStem(net, x, call);
  const bodyOut = applyBlocks(net, stemOut, call, o.onBlock);
  return applyHead(net, bodyOut, call);
}

/** The stem convs (BN: norm and activation between them; NF: the activation), then the optional max pool. */
function applyStem(net: Network, x: tf.Tensor4D, call: Call): tf.Tensor4D {
  const { plan } = net;
  let h = x;
  plan.stem.forEach((conv, i) => {
    h = applyConv(conv, net.params, h);
    if (i < plan.stem.length - 1) {
      const norm = plan.stemNorms[i];
      h = call.act(norm ? applyBatchNorm(norm, net.params, net.state, h, call.training) : h);
    }
  });
  if (plan.stemPool) h = tf.maxPool(h, 3, 2, "same");
  return h;
}

/** The residual blocks, each with its own mask seed; `onBlock` hears each block's output and residual. */
function applyBlocks(net: Network, x: tf.Tensor4D, call: Call, onBlock: ApplyOptions["onBlock"]): tf.Tensor4D {
  const { spec } = net;
  let h = x;
  for (const block of net.plan.blocks) {
    const ctx: BlockContext = {
      params: net.params,
      state: net.state,
      activation: spec.activation,
      forms: spec.forms ?? "official",
      training: call.training,
      seed: seedForName(call.seed, block.name),
      exampleOffset: call.exampleOffset,
    };
    const { output, residual } = spec.norm === "none" ? applyNfBlock(block, ctx, h) : applyBnBlock(block, ctx, h);
    onBlock?.(block.index, block.name, output, residual);
    h = output;
  }
  return h;
}

/** The head: [BN norm], [final conv], activation, global average pool, [dropout], classifier → logits. */
function applyHead(net: Network, x: tf.Tensor4D, call: Call): tf.Tensor2D {
  const { spec, plan } = net;
  let h = x;
  if (plan.headNorm) h = applyBatchNorm(plan.headNorm, net.params, net.state, h, call.training);
  if (plan.finalConv) {
    // NFNet: the head conv reads the last block's output directly; BN: it reads act(BN(x)).
    if (spec.norm !== "none") h = call.act(h);
    h = applyConv(plan.finalConv, net.params, h);
    if (plan.finalConvNorm) h = applyBatchNorm(plan.finalConvNorm, net.params, net.state, h, call.training);
  }
  h = call.act(h);
  let pooled = tf.mean(h, [1, 2]) as tf.Tensor2D;
  if (call.training && spec.dropout > 0) {
    pooled = exampleDropout(pooled, spec.dropout, seedForName(call.seed, "head.dropout"), call.exampleOffset);
  }
  return applyDense(plan.classifier, net.params, pooled);
}
