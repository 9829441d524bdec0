// nfx as a library: what tfjs users import.
export * from "./core/agc/index.js";
export { ConfigError } from "./core/config/configError.js";
export { configHash, configIdentity } from "./core/config/hash.js";
export { resolveConfig } from "./core/config/resolve.js";
export type { RunConfig } from "./core/config/schema.js";
export { CONFIG_KEYS } from "./core/config/schema.js";
export type {
  AugmentOptions,
  Batch,
  BatchOptions,
  DataConfig,
  Dataset,
  DatasetName,
  Example,
  LoadOptions,
  Normalization,
  Split,
} from "./core/data/index.js";
export { batchCount, batches, DATASET_NAMES, evalBatches, loadDataset } from "./core/data/index.js";
export type { BackendInfo, BackendName, NativeInfo } from "./core/engine/backend/backend.js";
export { BACKEND_NAMES, currentBackend, initBackend } from "./core/engine/backend/backend.js";
export type { BenchCase, BenchOptions, BenchResult } from "./core/engine/bench/bench.js";
export {
  benchCase,
  builtinCases,
  DEFAULT_BENCH_OPTIONS,
  runBench,
  twoConvStepCase,
} from "./core/engine/bench/bench.js";
export { groupedConv2d } from "./core/engine/ops/groupedConv.js";
export { tf } from "./core/engine/tf.js";
export type {
  ActivationName,
  ApplyOptions,
  BlockSignal,
  BuildOptions,
  BuiltModel,
  Model,
  ModelConfig,
  ModelCount,
  ModelPlan,
  ModelRow,
  ModelSpec,
  OfficialVariant,
  Param,
  ParamRole,
  SignalPropagation,
} from "./core/models/index.js";
export {
  ACTIVATION_GAMMA,
  buildModel,
  countModel,
  MODEL_NAMES,
  MODEL_VARIANTS,
  modelCatalog,
  OFFICIAL_VARIANTS,
  officialParamNames,
  officialVariant,
  PARAM_ROLES,
  planModel,
  resolveModelSpec,
  signalPropagation,
  standardizeWeight,
  WEIGHT_ROLES,
} from "./core/models/index.js";
export { type AggregatedPoint, aggregate, type BandChoice } from "./core/plot/aggregate.js";
export { BAND_KINDS, type BandKind, DEFAULT_BAND, metricRange, seedBand } from "./core/plot/bands.js";
export { curvePoints, curvesSpec } from "./core/plot/curvesSpec.js";
export { type MeanCiChart, meanCiSpec } from "./core/plot/meanCiSpec.js";
export { figureHtml } from "./core/plot/offlineHtml.js";
export { type PlotRequest, plotSpec } from "./core/plot/plotSelection.js";
export { svgToPng } from "./core/plot/png.js";
export {
  FIGURE_FORMATS,
  type FigureFormat,
  renderSvg,
  type VegaLiteSpec,
  type WrittenFigure,
  writeFigure,
} from "./core/plot/render.js";
export { type SelectedRun, selectRuns } from "./core/plot/selectRuns.js";
export { sppFigure, sppSpec } from "./core/plot/sppSpec.js";
export { contrast, summarize } from "./core/plot/stats.js";
export { exportBundle, type ImportResult, importBundle } from "./core/store/bundle.js";
export { groupRuns, type MeanCi, meanCi, type RunGroup } from "./core/store/groupRuns.js";
export { readonlyQuery } from "./core/store/readonlyQuery.js";
export { queryRuns, type RunQuery } from "./core/store/runQuery.js";
export { RUN_STATUSES, type RunStatus, RunStore, type StoredRun } from "./core/store/runStore.js";
export { evaluateWhere, parseWhere, whereToSql } from "./core/store/where/index.js";
export type { HeldRun, SweepEvents, SweepOutcome } from "./core/sweep/events.js";
export { type ExpandedRun, expandSweep, loadSweepFile } from "./core/sweep/expand.js";
export type { SweepOptions } from "./core/sweep/options.js";
export { runSweep } from "./core/sweep/runSweep.js";
export { parseSweep, type SweepSpec } from "./core/sweep/sweepSpec.js";
export { type RunReporter, type TrainResult, trainRun } from "./core/train/trainRun.js";
export { FIGURE_NAMES, SWEEP_FIGURES } from "./experiments/figures/registry.js";
export { type FigureOptions, type FigureResult, runFigure } from "./experiments/figures/runFigure.js";
export { buildReport, type Report } from "./experiments/report/buildReport.js";
