// Instantiates a plan: one tf.Variable per planned parameter, initialized deterministically from the seed and the
// parameter's name, and an `apply` that runs stem → blocks → head.

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
  const nf = spec.norm === "none";
  const inChannels = opts.inputShape[2];

  // Intermediate tensors are not tidied here: they belong to the caller's tidy (or gradient tape), which is
  // also what lets onBlock's tensors stay valid while the caller inspects them.
  function apply(x: tf.Tensor4D, o: ApplyOptions): tf.Tensor2D {
    if (x.rank !== 4 || x.shape[3] !== inChannels) {
      throw new Error(`${spec.name}: expected images [N,H,W,${inChannels}], got [${x.shape.join(",")}]`);
    }
    const training = o.training;
    const seed = o.seed ?? 0;
    const exampleOffset = o.exampleOffset ?? 0;
    const act = (t: tf.Tensor4D) => activate(t, spec.activation, nf, spec.forms);
    let h = x;
    plan.stem.forEach((conv, i) => {
      h = applyConv(conv, store, h);
      if (i < plan.stem.length - 1) {
        const norm = plan.stemNorms[i];
        h = act(norm ? applyBatchNorm(norm, store, stateStore, h, training) : h);
      }
    });
    if (plan.stemPool) h = tf.maxPool(h, 3, 2, "same");
    for (const block of plan.blocks) {
      const ctx: BlockContext = {
        params: store,
        state: stateStore,
        activation: spec.activation,
        forms: spec.forms ?? "official",
        training,
        seed: seedForName(seed, block.name),
        exampleOffset,
      };
      const { output, residual } = nf ? applyNfBlock(block, ctx, h) : applyBnBlock(block, ctx, h);
      o.onBlock?.(block.index, block.name, output, residual);
      h = output;
    }
    if (plan.headNorm) h = applyBatchNorm(plan.headNorm, store, stateStore, h, training);
    if (plan.finalConv) {
      // NFNet: the head conv reads the last block's output directly; BN: it reads act(BN(x)).
      if (!nf) h = act(h);
      h = applyConv(plan.finalConv, store, h);
      if (plan.finalConvNorm) h = applyBatchNorm(plan.finalConvNorm, store, stateStore, h, training);
    }
    h = act(h);
    let pooled = tf.mean(h, [1, 2]) as tf.Tensor2D;
    if (training && spec.dropout > 0) {
      pooled = exampleDropout(pooled, spec.dropout, seedForName(seed, "head.dropout"), exampleOffset);
    }
    return applyDense(plan.classifier, store, pooled);
  }

  return {
    name: spec.name,
    spec,
    plan,
    params,
    state,
    apply,
    dispose() {
      for (const p of [...params, ...state]) p.variable.dispose();
    },
  };
}
