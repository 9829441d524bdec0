// nfx as a library: what tfjs users import.
export type { BackendInfo, BackendName, NativeInfo } from "./core/engine/backend.js";
export { BACKEND_NAMES, currentBackend, initBackend } from "./core/engine/backend.js";
export type { BenchCase, BenchOptions, BenchResult } from "./core/engine/bench.js";
export { benchCase, builtinCases, DEFAULT_BENCH_OPTIONS, runBench, twoConvStepCase } from "./core/engine/bench.js";
export { groupedConv2d } from "./core/engine/groupedConv.js";
export { tf } from "./core/engine/tf.js";
export type { ApplyOptions, Model, Param, ParamRole } from "./core/models/types.js";
export { PARAM_ROLES, WEIGHT_ROLES } from "./core/models/types.js";
