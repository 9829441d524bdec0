// One layer of the symbolic network (plan.ts): the plans of a conv, a dense layer, a batch norm and a
// squeeze-excite, and the Planner that lays them out — each parameter with its role and initializer, each layer
// with its shapes and multiply-accumulates — in the order they are planned.
import type { ModelSpec } from "./spec.js";
import type { ParamRole } from "./types.js";

/**
 * How a parameter starts. `normal`: N(0, std²). `truncatedNormal`: N(0, std²) redrawn outside ±2·std (Haiku's
 * `TruncatedNormal`, whose std is that of the untruncated normal: the values' std is ≈0.88·std). `constant`: filled.
 */
export type ParamInit =
  | { kind: "normal"; std: number }
  | { kind: "truncatedNormal"; std: number }
  | { kind: "constant"; value: number };

export interface ParamPlan {
  name: string;
  role: ParamRole;
  layer: string;
  shape: number[];
  init: ParamInit;
}

export type HW = [number, number];

export interface ConvPlan {
  layer: string;
  kernel: number;
  stride: number;
  groups: number;
  cin: number;
  cout: number;
  inHW: HW;
  outHW: HW;
  /** Scaled weight standardization on the kernel (NF convs with `ws`). */
  standardize: boolean;
  /** Set to `timm` when WS uses timm's formula (ModelSpec.forms); absent for the official one. */
  wsForm?: "timm";
  weight: ParamPlan;
  gain: ParamPlan | null;
  bias: ParamPlan | null;
  macs: number;
}

export interface DensePlan {
  layer: string;
  cin: number;
  cout: number;
  weight: ParamPlan;
  bias: ParamPlan;
  macs: number;
}

export interface BatchNormPlan {
  layer: string;
  channels: number;
  scale: ParamPlan;
  offset: ParamPlan;
  /** Running statistics: state, not trained. */
  mean: ParamPlan;
  variance: ParamPlan;
}

export interface SqueezeExcitePlan {
  layer: string;
  channels: number;
  hidden: number;
  fc0: DensePlan;
  fc1: DensePlan;
  macs: number;
}

/** SAME padding: the output has ⌈size/stride⌉ rows and columns. */
export function strided(hw: HW, stride: number): HW {
  return [Math.ceil(hw[0] / stride), Math.ceil(hw[1] / stride)];
}

export class Planner {
  readonly params: ParamPlan[] = [];
  readonly state: ParamPlan[] = [];
  macs = 0;
  constructor(readonly spec: ModelSpec) {}

  param(layer: string, suffix: string, role: ParamRole, shape: number[], init: ParamInit): ParamPlan {
    const p: ParamPlan = { name: `${layer}.${suffix}`, role, layer, shape, init };
    this.params.push(p);
    return p;
  }

  stateParam(layer: string, suffix: string, role: ParamRole, shape: number[], value: number): ParamPlan {
    const p: ParamPlan = { name: `${layer}.${suffix}`, role, layer, shape, init: { kind: "constant", value } };
    this.state.push(p);
    return p;
  }

  conv(
    layer: string,
    role: ParamRole,
    o: { kernel: number; stride: number; groups: number; cin: number; cout: number; inHW: HW; bias?: boolean },
  ): ConvPlan {
    const { kernel, stride, groups, cin, cout, inHW } = o;
    if (cin % groups !== 0 || cout % groups !== 0) {
      throw new Error(`${layer}: ${cin}→${cout} channels are not divisible into ${groups} groups`);
    }
    const fanIn = kernel * kernel * (cin / groups);
    const outHW = strided(inHW, stride);
    const nf = this.spec.norm === "none";
    // NF: W ~ N(0, 1/fan_in), the official WSConv2D's VarianceScaling(1.0, 'fan_in', 'normal') (WS makes the scale
    // irrelevant, and without WS this is what keeps γ-scaled activations variance-preserving). BN: He init
    // N(0, 2/fan_in) for the unscaled ReLU.
    const std = Math.sqrt((nf ? 1 : 2) / fanIn);
    const weight = this.param(layer, "w", role, [kernel, kernel, cin / groups, cout], { kind: "normal", std });
    // BN convs need no affine terms: the norm that follows supplies them.
    const gain = nf ? this.param(layer, "gain", "gain", [cout], { kind: "constant", value: 1 }) : null;
    const bias =
      nf && o.bias !== false ? this.param(layer, "bias", "bias", [cout], { kind: "constant", value: 0 }) : null;
    const macs = outHW[0] * outHW[1] * cout * (cin / groups) * kernel * kernel;
    this.macs += macs;
    return {
      layer,
      kernel,
      stride,
      groups,
      cin,
      cout,
      inHW,
      outHW,
      standardize: nf && this.spec.ws,
      ...(nf && this.spec.ws && this.spec.forms === "timm" ? { wsForm: "timm" as const } : {}),
      weight,
      gain,
      bias,
      macs,
    };
  }

  dense(layer: string, cin: number, cout: number, kind: "se" | "classifier"): DensePlan {
    const [wRole, bRole]: [ParamRole, ParamRole] =
      kind === "se" ? ["se_weight", "se_bias"] : ["classifier_weight", "classifier_bias"];
    // SE linears: hk.Linear's default, a normal of std 1/sqrt(fan_in) truncated at ±2 std (the official SE passes no
    // w_init); classifier: N(0, 0.01²), the official fc_init.
    const init: ParamInit =
      kind === "se" ? { kind: "truncatedNormal", std: 1 / Math.sqrt(cin) } : { kind: "normal", std: 0.01 };
    const weight = this.param(layer, "w", wRole, [cin, cout], init);
    const bias = this.param(layer, "b", bRole, [cout], { kind: "constant", value: 0 });
    const macs = cin * cout;
    this.macs += macs;
    return { layer, cin, cout, weight, bias, macs };
  }

  batchNorm(layer: string, channels: number): BatchNormPlan {
    return {
      layer,
      channels,
      scale: this.param(layer, "scale", "bn_scale", [channels], { kind: "constant", value: 1 }),
      offset: this.param(layer, "offset", "bn_offset", [channels], { kind: "constant", value: 0 }),
      mean: this.stateParam(layer, "running_mean", "bn_mean", [channels], 0),
      variance: this.stateParam(layer, "running_var", "bn_var", [channels], 1),
    };
  }
}
