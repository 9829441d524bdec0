// The model zoo's public surface.
export { ACTIVATION_GAMMA, ACTIVATION_NAMES, type ActivationName, activate } from "./activations.js";
export { type BuildOptions, type BuiltModel, buildModel } from "./build.js";
export { catalogRow, type ModelRow, modelCatalog } from "./catalog.js";
export { type CountOptions, countModel, type ModelCount } from "./count.js";
export { OFFICIAL_VARIANTS, type OfficialVariant, officialParamNames, officialVariant } from "./official.js";
export type { BlockPlan, ConvPlan, ModelPlan, ParamPlan } from "./plan.js";
export { planModel } from "./plan.js";
export { type ModelConfig, OVERRIDE_KEYS, resolveModelSpec, validateSpec } from "./resolve.js";
export {
  type BlockSignal,
  type SignalPropagation,
  type SignalPropagationOptions,
  signalPropagation,
} from "./signalPropagation.js";
export type { ModelSpec, NormKind, ShortcutKind, StemConvSpec } from "./spec.js";
export * from "./types.js";
export { MODEL_NAMES, MODEL_VARIANTS } from "./variants.js";
export { standardizeWeight, WS_EPS } from "./wsConv.js";
