// What every optimizer is to the trainer: a step on already-clipped gradients, and the state an exact resume
// needs (its slots, saved and restored by train/checkpoint.ts). Optimizers work on any tfjs variables: which
// parameters are decayed (and, for LARS, adapted) comes in as data, one boolean per variable.
import { tf } from "../engine/tf.js";

/** The settings the optimizers read; each reads only its own (table.ts, OPTIMIZERS[name].keys). */
export interface OptimizerSettings {
  /** Momentum μ (sgd, lars). */
  momentum: number;
  /** Nesterov's form of the momentum step (sgd). */
  nesterov: boolean;
  /** Weight decay: L2 added to the gradient (sgd, lars, adam) or decoupled (adamw); weights only. */
  weightDecay: number;
  /** Adam's β1, β2 and ε (adam, adamw). */
  beta1: number;
  beta2: number;
  eps: number;
  /** LARS's trust coefficient η (lars). */
  trust: number;
}

/** One kind of per-variable state: saved as `<prefix>/<parameter name>`, one variable per model parameter. */
export interface SlotGroup {
  prefix: string;
  vars: readonly tf.Variable[];
}

export interface Optimizer {
  /**
   * One update of every variable from `grads` (one per variable, same order and shapes), at learning rate `lr`;
   * `step` is the 0-based optimizer step (Adam's bias correction uses t = step + 1: a pure function of the step,
   * so it is not state).
   */
  apply(grads: readonly tf.Tensor[], lr: number, step: number): void;
  /** The optimizer's state, in groups (a checkpoint saves and restores every group). */
  readonly slots: readonly SlotGroup[];
  dispose(): void;
}

/** Zero-initialised, non-trainable state variables shaped like `vars`, one per variable. */
export function zeroSlots(vars: readonly tf.Variable[]): tf.Variable[] {
  // Inside tidy: a variable keeps its own copy, so the initial zeros are freed.
  return vars.map((v) => tf.tidy(() => tf.variable(tf.zerosLike(v), false)));
}
