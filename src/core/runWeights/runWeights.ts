// Weights of stored runs and files, as the `nfx weights` and `nfx eval` commands use them: export a run's final
// weights under another source's names, and measure top-1 and loss of weights on a dataset split.
//
// Why a folder of its own, above train and store (core/weights/ is the file formats, below both): a run's weights
// are found through the store (finalWeights.ts) and measured with training's own evaluation (train's `evaluate`),
// so this side needs store and train, while train needs the formats (a checkpoint is a safetensors file, a run may
// start from weights: weights/initFrom.ts). One folder for both made the floors point both ways.
import { imageSizeOf } from "../data/datasets.js";
import { loadDataset } from "../data/loadDataset.js";
import type { Dataset } from "../data/types.js";
import { type BuiltModel, buildModel } from "../models/build.js";
import { resolveModelSpec } from "../models/index.js";
import type { RunStore } from "../store/runStore.js";
import type { StoredRun } from "../store/runTypes.js";
import { type Evaluation, evaluate } from "../train/evaluate.js";
import type { WeightSource } from "../weights/nameMaps.js";
import { writeNpzFile } from "../weights/npz.js";
import { writeSafetensorsFile } from "../weights/safetensors.js";
import { assignWeights, fitWeights, modelTensors, readWeightsFile } from "../weights/weightsFile.js";
import { finalWeightsPath } from "./finalWeights.js";

/** The model a stored run trained, built for its dataset's shape and classes (without loading the data). */
function runModel(run: StoredRun, numClasses: number, inputShape: [number, number, number]): BuiltModel {
  return buildModel(resolveModelSpec(run.config.model), { numClasses, inputShape, seed: run.config.seed });
}

/** The file formats an export writes, by the output's extension. */
export const EXPORT_FORMATS = { ".safetensors": "safetensors", ".npz": "npz" } as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[keyof typeof EXPORT_FORMATS];

/**
 * The format `out`'s extension names (issue 27: `--out x.npz` wrote safetensors under that name).
 * @throws Error naming the file when its extension is neither `.safetensors` nor `.npz`.
 */
export function exportFormatOf(out: string): ExportFormat {
  const ext = Object.keys(EXPORT_FORMATS).find((e) => out.toLowerCase().endsWith(e)) as
    | keyof typeof EXPORT_FORMATS
    | undefined;
  if (!ext)
    throw new Error(
      `${out}: the format follows the file's extension; name it .safetensors (with nfx's metadata) or .npz (NumPy)`,
    );
  return EXPORT_FORMATS[ext];
}

/**
 * Writes `run`'s final weights to `out` as float32 tensors under `names`' names and layouts, in the format its
 * extension names (exportFormatOf): safetensors with metadata (the run's config hash, the names, and which
 * weights: `ema` or `param`), or an npz as `np.savez` writes it (no metadata). Taken from the run's final checkpoint
 * (finalWeightsPath): its EMA averages when the run kept them (`optim.ema_decay`, the weights its test top-1 was
 * measured with), else its parameters, plus BatchNorm running statistics under nfx names. Written atomically
 * (writeSafetensorsFile, writeNpzFile): a failure leaves no file.
 * @throws Error for an extension that names no format (before anything is read), when the run has no final weights (finalWeightsPath), they do not fit its model, or `names` has
 *   no names for the network (timm/deepmind: normalizer-free networks only).
 */
export function exportRunWeights(
  store: RunStore,
  run: StoredRun,
  names: WeightSource,
  out: string,
): {
  out: string;
  format: ExportFormat;
  tensors: number;
  bytes: number;
  weights: "ema" | "param" | null;
  from: string;
} {
  const format = exportFormatOf(out);
  const file = readWeightsFile(finalWeightsPath(store, run));
  const cls = file.tensors.get("head.classifier.b")?.shape[0];
  const stem = file.tensors.get("stem.conv0.w")?.shape[2];
  if (cls === undefined || stem === undefined)
    throw new Error(`${file.path}: not nfx weights (no head.classifier.b / stem.conv0.w)`);
  const px = imageSizeOf(run.config.data);
  if (px === null) throw new Error(`run ${run.id}: unknown dataset ${run.config.data.name}`);
  const model = runModel(run, cls, [px, px, stem]);
  try {
    assignWeights(model, fitWeights(model, file, { source: "nfx" }));
    const tensors = modelTensors(model, names);
    const weights = file.checkpoint?.weights ?? null;
    const meta: Record<string, string> = { nfx_run: run.config_hash, names, model: model.spec.name };
    if (weights) meta.nfx_weights = weights;
    const { bytes } = format === "npz" ? writeNpzFile(out, tensors) : writeSafetensorsFile(out, tensors, meta);
    return { out, format, tensors: tensors.length, bytes, weights, from: file.path };
  } finally {
    model.dispose();
  }
}

export interface EvalWeightsOptions {
  /** A weights file (safetensors or npz). */
  weights: string;
  /** `{name, ...overrides}` as `model.*` in a config. */
  model: { name: string; [k: string]: unknown };
  /** The dataset, as `data.*` in a config (name, path, image_size, test_size…). */
  data: { name: string; [k: string]: unknown };
  split: "train" | "test";
  names?: WeightSource | null;
  seed?: number;
  /** Called after each evaluated batch with examples done and the total. */
  progress?: (done: number, total: number) => void;
}

export interface EvalWeightsResult extends Evaluation {
  weights: string;
  /** For an nfx checkpoint: whether its EMA averages or its parameters were evaluated; null for a weights file. */
  checkpointWeights: "ema" | "param" | null;
  sha256: string;
  names: WeightSource;
  model: string;
  split: string;
}

/**
 * Top-1 and mean unsmoothed loss of a weights file on a dataset split (eval mode: no dropout). The classifier
 * must have the dataset's class count.
 * @throws Error for a file that is not weights, weights of another architecture or class count (naming the
 *   tensor), a dataset that does not load, or an empty split.
 */
export async function evalWeights(o: EvalWeightsOptions): Promise<EvalWeightsResult> {
  const file = readWeightsFile(o.weights);
  const dataset: Dataset = await loadDataset({ ...(o.data as Parameters<typeof loadDataset>[0]), seed: o.seed ?? 0 });
  const spec = resolveModelSpec(o.model);
  const model = buildModel(spec, { numClasses: dataset.numClasses, inputShape: dataset.imageShape, seed: o.seed ?? 0 });
  try {
    const fitted = fitWeights(model, file, { source: o.names ?? null });
    assignWeights(model, fitted);
    const limit =
      o.split === "test"
        ? ((o.data.test_size as number | null | undefined) ?? null)
        : ((o.data.train_size as number | null | undefined) ?? null);
    const ev = evaluate(model, dataset, o.split, limit, o.progress);
    return {
      ...ev,
      weights: o.weights,
      checkpointWeights: file.checkpoint?.weights ?? null,
      sha256: file.sha256,
      names: fitted.source,
      model: spec.name,
      split: o.split,
    };
  } finally {
    model.dispose();
  }
}
