// Parameter and multiply-accumulate counts from the symbolic plan: no weights are allocated, so the full-size
// NFNets can be counted on any machine.
import { planModel } from "./plan.js";
import type { ModelSpec } from "./spec.js";

export interface CountOptions {
  /** Square input resolution. */
  px: number;
  inChannels: number;
  numClasses: number;
}

export interface ModelCount {
  /** Trainable parameters (BN running statistics excluded). */
  params: number;
  /**
   * Multiply-accumulates of one image's forward pass through convs and linear layers, as the official
   * `count_flops` (the paper's "FLOPs"); pooling, activations and biases are not counted.
   */
  macs: number;
}

export function countModel(spec: ModelSpec, opts: CountOptions): ModelCount {
  const plan = planModel(spec, { inputShape: [opts.px, opts.px, opts.inChannels], numClasses: opts.numClasses });
  let params = 0;
  for (const p of plan.params) params += p.shape.reduce((a, b) => a * b, 1);
  return { params, macs: plan.macs };
}
