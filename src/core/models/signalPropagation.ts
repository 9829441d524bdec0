// Signal-propagation analysis at initialization (Brock et al. 2021a; `base.signal_metrics`): push N(0,1) images
// through a freshly built network and record, for each residual block, the average channel squared mean and
// average channel variance of its output and the variance of its residual branch. A normalizer-free network is
// working as designed when the output variance follows the β/α bookkeeping (1 + k·α² within a stage, back to
// ≈1 + α² after each transition) and the squared mean stays near 0.
// On white-noise inputs, NFNet's average-pool shortcut divides a transition block's output variance by up to 4
// (neighbouring activations are nearly independent); on natural images, whose neighbouring pixels are correlated,
// far less. NF-ResNets' strided 1×1 shortcuts do not have this effect.

import { seedForName } from "../base/random.js";
import { tf } from "../engine/tf.js";
import { buildModel } from "./build.js";
import type { ModelSpec } from "./spec.js";

export interface BlockSignal {
  index: number;
  name: string;
  stage: number;
  blockInStage: number;
  /** Mean over channels of (mean over N,H,W)². */
  avgSqMean: number;
  /** Mean over channels of the variance over N,H,W. */
  avgVar: number;
  /** avgVar of the residual branch (before stochastic depth, skip gain and α). */
  residualVar: number;
  /** Output variance the β/α bookkeeping predicts (NF models). */
  expectedVar: number;
}

export interface SignalPropagationOptions {
  /** Input resolution (default: the variant's training resolution). */
  px?: number;
  inChannels?: number;
  batch?: number;
  seed?: number;
  /**
   * Skip-gain value at init. Default 1: with SkipInit's 0 every residual branch is silent and the plot would show
   * only the shortcuts, so, as in Brock et al. 2021a, the analysis looks at the un-zeroed network.
   */
  skipGainInit?: number;
}

export interface SignalPropagation {
  model: string;
  px: number;
  batch: number;
  skipGainInit: number;
  ws: boolean;
  blocks: BlockSignal[];
}

function channelStats(t: tf.Tensor4D): { avgSqMean: number; avgVar: number } {
  const [sq, v] = tf.tidy(() => {
    const { mean, variance } = tf.moments(t, [0, 1, 2]);
    return [tf.mean(tf.square(mean)), tf.mean(variance)];
  });
  const out = {
    avgSqMean: (sq as tf.Tensor).dataSync()[0] as number,
    avgVar: (v as tf.Tensor).dataSync()[0] as number,
  };
  sq?.dispose();
  v?.dispose();
  return out;
}

export function signalPropagation(spec: ModelSpec, opts: SignalPropagationOptions = {}): SignalPropagation {
  const px = opts.px ?? spec.trainPx;
  const inChannels = opts.inChannels ?? spec.inChannels;
  const batch = opts.batch ?? 16;
  const seed = opts.seed ?? 0;
  const skipGainInit = opts.skipGainInit ?? 1;
  // BatchNorm normalizes with batch statistics while training; at init its running statistics are the identity,
  // so the BN baseline is analysed in training mode (with stochastic depth and dropout off, so nothing is random).
  const training = spec.norm === "batch";
  const model = buildModel(
    { ...spec, skipGainInit, stochDepth: 0, dropout: 0 },
    { numClasses: spec.numClasses, inputShape: [px, px, inChannels], seed },
  );
  const blocks: BlockSignal[] = [];
  try {
    tf.tidy(() => {
      const x = tf.randomNormal([batch, px, px, inChannels], 0, 1, "float32", seedForName(seed, "spp.input"));
      model.apply(x as tf.Tensor4D, {
        training,
        onBlock: (index, name, output, residual) => {
          const plan = model.plan.blocks[index];
          if (!plan) throw new Error(`onBlock reported unknown block ${index}`);
          const o = channelStats(output);
          blocks.push({
            index,
            name,
            stage: plan.stage,
            blockInStage: plan.blockInStage,
            avgSqMean: o.avgSqMean,
            avgVar: o.avgVar,
            residualVar: channelStats(residual).avgVar,
            expectedVar: plan.expectedOutputVar,
          });
        },
      });
    });
  } finally {
    model.dispose();
  }
  return { model: spec.name, px, batch, skipGainInit, ws: spec.ws, blocks };
}
