// nfx as a library: what tfjs users import.

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
export type { BackendInfo, BackendName } from "./core/engine/backend.js";
export { BACKEND_NAMES, currentBackend, initBackend } from "./core/engine/backend.js";
export { groupedConv2d } from "./core/engine/groupedConv.js";
export { tf } from "./core/engine/tf.js";
export type { ApplyOptions, Model, Param, ParamRole } from "./core/models/types.js";
export { PARAM_ROLES, WEIGHT_ROLES } from "./core/models/types.js";
