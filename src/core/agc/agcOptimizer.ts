// AGC for any tfjs optimizer: clip the gradients unit-wise, then let the wrapped optimizer step.
// `optimizer.minimize(loss)` and `optimizer.applyGradients(grads)` work as usual; AGC happens in between.
import { tf } from "../engine/tf.js";

type NamedTensor = { name: string; tensor: tf.Tensor };

import { type AgcOptions, AgcOptionsError, checkAgcOptions, clipGradients } from "./agc.js";

export interface AgcOptimizerOptions extends AgcOptions {
  /**
   * Role of each variable by variable name (e.g. `classifier_weight`); roles in `exclude` are not clipped.
   * A variable without a role is clipped.
   */
  roles?: ReadonlyMap<string, string> | Record<string, string>;
  exclude?: readonly string[];
}

export class AgcOptimizer extends tf.Optimizer {
  static get className(): string {
    return "AgcOptimizer";
  }

  private readonly roles: ReadonlyMap<string, string>;

  constructor(
    readonly inner: tf.Optimizer,
    readonly options: AgcOptimizerOptions,
  ) {
    super();
    checkAgcOptions("withAgc", options, true);
    if (!(inner instanceof tf.Optimizer))
      throw new AgcOptionsError("optimizer", "withAgc: optimizer must be a tfjs optimizer");
    const roles = options.roles;
    if (roles !== undefined && (typeof roles !== "object" || roles === null || Array.isArray(roles))) {
      throw new AgcOptionsError("roles", "withAgc: roles must be a Map or an object of variable name → role");
    }
    this.roles = roles instanceof Map ? roles : new Map(Object.entries(roles ?? {}));
    for (const [name, role] of this.roles) {
      if (typeof role !== "string")
        throw new AgcOptionsError("roles", `withAgc: roles: the role of '${name}' must be a string`);
    }
  }

  override applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const named: NamedTensor[] = Array.isArray(variableGradients)
      ? variableGradients
      : Object.entries(variableGradients).map(([name, tensor]) => ({ name, tensor }));
    const registry = tf.engine().registeredVariables;
    const targets = named.map(({ name }) => {
      const v = registry[name];
      if (!v) throw new Error(`AgcOptimizer: no variable named '${name}'`);
      return { value: v as tf.Tensor, role: this.roles.get(name) ?? "" };
    });
    const clipped = clipGradients(
      named.map((n) => n.tensor),
      targets,
      this.options,
    );
    try {
      this.inner.applyGradients(named.map((n, i) => ({ name: n.name, tensor: clipped.grads[i] as tf.Tensor })));
    } finally {
      clipped.grads.forEach((g, i) => {
        if (g !== named[i]?.tensor) g.dispose();
      });
      clipped.clippedByRole?.counts.dispose();
    }
  }

  override dispose(): void {
    this.inner.dispose();
    super.dispose();
  }

  override async getWeights(): Promise<NamedTensor[]> {
    return this.inner.getWeights();
  }

  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    return this.inner.setWeights(weightValues);
  }

  override getConfig(): tf.serialization.ConfigDict {
    const { roles: _roles, ...rest } = this.options;
    return { inner: this.inner.getClassName(), ...rest, exclude: [...(this.options.exclude ?? [])] };
  }
}

/**
 * Wraps a tfjs optimizer so that every step applies AGC first (clipGradients on the variables' current values).
 * @throws AgcOptionsError when an option breaks the config schema's rules (see checkAgcOptions) or roles is not a
 * map of strings.
 */
export function withAgc(optimizer: tf.Optimizer, options: AgcOptimizerOptions): AgcOptimizer {
  return new AgcOptimizer(optimizer, options);
}
