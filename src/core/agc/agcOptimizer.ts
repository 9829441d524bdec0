// AGC for any tfjs optimizer: clip the gradients unit-wise, then let the wrapped optimizer step.
// `optimizer.minimize(loss)` and `optimizer.applyGradients(grads)` work as usual; AGC happens in between.
import { tf } from "../engine/tf.js";

type NamedTensor = { name: string; tensor: tf.Tensor };

import { clipGradients } from "./agc.js";
import { type AgcOptions, AgcOptionsError, checkAgcOptions } from "./inputs.js";
import { isParamRole, type ParamRole, unknownRoleReason } from "./roles.js";

/** withAgc's options: clipGradients' (AgcOptions: every granularity, λ null for none) and the variables' roles. */
export interface AgcOptimizerOptions extends AgcOptions {
  /**
   * Role of each variable by variable name (e.g. `{ "head/kernel": "classifier_weight" }`), each one of
   * PARAM_ROLES; roles in `exclude` are not clipped. A variable without a role is clipped.
   */
  roles?: ReadonlyMap<string, ParamRole> | Readonly<Record<string, ParamRole>>;
}

/**
 * A tfjs optimizer that clips each step's gradients (clipGradients) before `inner` applies them; made by withAgc.
 * Its weights and state are the inner optimizer's; dispose() disposes the inner optimizer too.
 */
export class AgcOptimizer extends tf.Optimizer {
  static get className(): string {
    return "AgcOptimizer";
  }

  private readonly roles: ReadonlyMap<string, ParamRole>;

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
      if (!isParamRole(role))
        throw new AgcOptionsError("roles", `withAgc: roles['${name}']: ${unknownRoleReason(role)}`);
    }
    // An exclusion needs roles to match: without any, `exclude` would silently clip what it names.
    if ((options.exclude?.length ?? 0) > 0 && this.roles.size === 0) {
      throw new AgcOptionsError(
        "roles",
        `withAgc: exclude [${options.exclude?.join(", ")}] can match no variable: give roles (variable name → role)`,
      );
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
      return { value: v as tf.Tensor, role: this.roles.get(name) };
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
 * Wraps a tfjs optimizer so that every step applies AGC first (clipGradients on the variables' current values,
 * each gradient the shape of its variable; any granularity of AgcOptions, λ null or `none` for no clipping).
 * `minimize` and `applyGradients` work as usual; applyGradients throws an Error for a gradient whose name is no
 * registered variable.
 * @throws AgcOptionsError when an option breaks the config schema's rules (see checkAgcOptions: option
 * `granularity`, `lambda`, `eps` or `exclude`, e.g. a role not in PARAM_ROLES), `optimizer` is not a tfjs
 * optimizer, or `roles` is not a map of variable name → one of PARAM_ROLES, or is empty while `exclude` is not.
 */
export function withAgc(optimizer: tf.Optimizer, options: AgcOptimizerOptions): AgcOptimizer {
  return new AgcOptimizer(optimizer, options);
}
