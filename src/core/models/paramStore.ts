// The built model's variables, looked up by their plan.
import type { tf } from "../engine/tf.js";
import type { ParamPlan } from "./plan.js";

export class ParamStore {
  private readonly vars = new Map<string, tf.Variable>();

  set(plan: ParamPlan, v: tf.Variable): void {
    this.vars.set(plan.name, v);
  }

  get<R extends tf.Rank>(plan: ParamPlan): tf.Variable<R> {
    const v = this.vars.get(plan.name);
    if (!v) throw new Error(`parameter ${plan.name} was not built`);
    return v as tf.Variable<R>;
  }
}
