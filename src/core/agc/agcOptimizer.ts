// AGC for any tfjs optimizer: clip the gradients unit-wise, then let the wrapped optimizer step.
// `optimizer.minimize(loss)` and `optimizer.applyGradients(grads)` work as usual; AGC happens in between. Each
// variable's unit axes come from `unitAxes`, else from its layer when the tfjs model is given (tfjsLayers.ts),
// else from the official rule (tfjs HWIO / [in, out] layouts).
import { tf } from "../engine/tf.js";

type NamedTensor = { name: string; tensor: tf.Tensor };

import { clipGradients } from "./agc.js";
import { type AgcOptions, AgcOptionsError, type AgcUnitAxes, checkAgcOptions } from "./inputs.js";
import { isParamRole, type ParamRole, unknownRoleReason } from "./roles.js";
import { layerUnitAxes } from "./tfjsLayers.js";

/** withAgc's options: clipGradients' (AgcOptions: every granularity, λ null for none) and the variables' roles. */
export interface AgcOptimizerOptions extends AgcOptions {
  /**
   * Role of each variable by variable name (e.g. `{ "head/kernel": "classifier_weight" }`), each one of
   * PARAM_ROLES; roles in `exclude` are not clipped. A variable without a role is clipped.
   */
  roles?: ReadonlyMap<string, ParamRole> | Readonly<Record<string, ParamRole>>;
  /**
   * Unit axes by variable name (AgcUnitAxes: the axes that index a variable's units, e.g.
   * `{ "dw/depthwise_kernel": [2, 3] }`); they win over what `model` tells.
   */
  unitAxes?: ReadonlyMap<string, AgcUnitAxes> | Readonly<Record<string, AgcUnitAxes>>;
  /**
   * The tfjs model (LayersModel, or a list of layers) whose weights are trained: each weight's unit axes are told
   * from its layer class (TFJS_LAYER_UNIT_AXES: Dense, Conv1D/2D/3D, Conv2DTranspose, Conv3DTranspose,
   * DepthwiseConv2D, SeparableConv2D; rank ≤ 1 weights of any layer). With a model, a rank ≥ 2 weight of another
   * layer class, or a gradient for a variable that is neither the model's nor in `unitAxes`, is refused. Without
   * one, variables not in `unitAxes` follow the official rule (tfjs HWIO conv / [in, out] dense layouts), which
   * clips a depthwise or transposed-conv kernel by the wrong axis: give the model or unitAxes for those.
   */
  model?: tf.layers.Layer | readonly tf.layers.Layer[];
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
  private readonly unitAxes: ReadonlyMap<string, AgcUnitAxes>;
  /** The model's weights' unit axes, told again when a gradient names a weight created after the last telling. */
  private modelAxes: Map<string, number[]> | null;

  constructor(
    readonly inner: tf.Optimizer,
    readonly options: AgcOptimizerOptions,
  ) {
    super();
    checkAgcOptions("withAgc", options, true);
    if (!(inner instanceof tf.Optimizer))
      throw new AgcOptionsError("optimizer", "withAgc: optimizer must be a tfjs optimizer");
    this.roles = namedMap("roles", "role", options.roles, (name, role) => {
      if (!isParamRole(role))
        throw new AgcOptionsError("roles", `withAgc: roles['${name}']: ${unknownRoleReason(role)}`);
    });
    this.unitAxes = namedMap("unitAxes", "unit axes", options.unitAxes, (name, axes) => {
      if (!Array.isArray(axes)) {
        throw new AgcOptionsError("unitAxes", `withAgc: unitAxes['${name}'] must be a list of axes`);
      }
    });
    // Only `unit` asks what a unit is: `layer` and `global` clip whole tensors, whatever the layers.
    this.modelAxes =
      options.model === undefined || options.granularity !== "unit" ? null : layerUnitAxes(options.model);
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
      return { value: v as tf.Tensor, role: this.roles.get(name), unitAxes: this.unitAxesOf(name) };
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

  /** A variable's unit axes: given, else its layer's (the model told again if it is new), else the official rule. */
  private unitAxesOf(name: string): AgcUnitAxes | undefined {
    const given = this.unitAxes.get(name);
    if (given !== undefined || this.options.model === undefined || this.options.granularity !== "unit") return given;
    if (!this.modelAxes?.has(name)) this.modelAxes = layerUnitAxes(this.options.model);
    const told = this.modelAxes.get(name);
    if (told === undefined) {
      throw new AgcOptionsError(
        "unitAxes",
        `withAgc: variable '${name}' is no trainable weight of the model given: its unit axes are unknown; ` +
          "give them in unitAxes",
      );
    }
    return told;
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
    const { roles: _roles, unitAxes: _unitAxes, model: _model, ...rest } = this.options;
    return { inner: this.inner.getClassName(), ...rest, exclude: [...(this.options.exclude ?? [])] };
  }
}

/**
 * A Map or plain object of variable name → value, as a Map, each entry checked by `check`.
 * @throws AgcOptionsError (option `option`) when `given` is neither a Map nor an object.
 */
function namedMap<T>(
  option: string,
  what: string,
  given: ReadonlyMap<string, T> | Readonly<Record<string, T>> | undefined,
  check: (name: string, value: T) => void,
): ReadonlyMap<string, T> {
  if (given !== undefined && (typeof given !== "object" || given === null || Array.isArray(given))) {
    throw new AgcOptionsError(option, `withAgc: ${option} must be a Map or an object of variable name → ${what}`);
  }
  const map: ReadonlyMap<string, T> = given instanceof Map ? given : new Map(Object.entries(given ?? {}));
  for (const [name, value] of map) check(name, value);
  return map;
}

/**
 * Wraps a tfjs optimizer so that every step applies AGC first (clipGradients on the variables' current values,
 * each gradient the shape of its variable; any granularity of AgcOptions, λ null or `none` for no clipping). Unit
 * axes per variable: `unitAxes`, else told from `model`'s layers (Dense, Conv*, DepthwiseConv2D, SeparableConv2D…),
 * else the official rule (tfjs HWIO / [in, out]). A NaN or ±Inf gradient throws by default (`nonFinite`).
 * `minimize` and `applyGradients` work as usual.
 * @throws AgcOptionsError when an option breaks the config schema's rules (see checkAgcOptions: option
 * `granularity`, `lambda`, `eps`, `nonFinite` or `exclude`, e.g. a role not in PARAM_ROLES), `optimizer` is not a
 * tfjs optimizer, `roles` is not a map of variable name → one of PARAM_ROLES (or is empty while `exclude` is not),
 * `unitAxes` is not a map of variable name → list of axes, or `model` is not tfjs layers or has a rank ≥ 2 weight
 * of a layer class whose layout is not known (option `model`, naming layer, class and weight).
 * applyGradients throws an Error for a gradient whose name is no registered variable; an AgcOptionsError (option
 * `unitAxes`) for one whose unit axes do not fit its shape, or, with a model, for a variable that is neither the
 * model's nor in unitAxes; and an AgcNonFiniteError as clipGradients does (the inner optimizer then does not step).
 */
export function withAgc(optimizer: tf.Optimizer, options: AgcOptimizerOptions): AgcOptimizer {
  return new AgcOptimizer(optimizer, options);
}
