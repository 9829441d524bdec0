// Starting a run from stored weights (`model.init_from`): read, check against the SHA-256 the config recorded,
// fit to the model (a classifier for another class count is re-initialised), assign.
// It stays with the file formats (not with the stored-run weights of core/runWeights/): it needs only models and
// the formats, and train (a run's start) and the sweep's pre-flight both call it, so it must sit below train.
import type { BuiltModel } from "../models/build.js";
import { planModel } from "../models/plan.js";
import type { ModelSpec } from "../models/spec.js";
import { detectSource, nameMap, type WeightSource } from "./nameMaps.js";
import { assignWeights, fitWeights, readWeightsFile } from "./weightsFile.js";

/** What a run started from, for its summary. */
export interface InitFromInfo {
  file: string;
  sha256: string;
  source: WeightSource;
  /** One line when the classifier was re-initialised, else null. */
  note: string | null;
}

/**
 * Loads `file` into `model` (names of `names`, or detected).
 * @throws Error when the file's SHA-256 is not `sha256` (it changed since the run was configured), and the
 *   errors of readWeightsFile / fitWeights (format, architecture mismatch naming the first tensor).
 */
export function initFromWeights(
  model: BuiltModel,
  file: string,
  opts: { sha256?: string; names?: WeightSource | null },
): InitFromInfo {
  const weights = readWeightsFile(file);
  if (opts.sha256 && weights.sha256 !== opts.sha256) {
    throw new Error(
      `model.init_from: ${file} has SHA-256 ${weights.sha256}, not the ${opts.sha256} this run was configured with (the file changed)`,
    );
  }
  const fitted = fitWeights(model, weights, { source: opts.names ?? null, reinitClassifier: true });
  assignWeights(model, fitted);
  return { file, sha256: weights.sha256, source: fitted.source, note: fitted.note };
}

/**
 * Checks, before a run is stored, that `file` is weights nfx reads and that they fit `spec` (whatever the
 * dataset's class count: the classifier may be re-initialised). `datasetChannels`: the image channels of the run's
 * dataset when known without reading it (data/datasets.ts); otherwise the file's own are taken.
 * @throws Error for a file that is not weights (truncated, another format) or of another architecture, naming
 *   the first mismatched tensor.
 */
export function checkInitFrom(
  spec: ModelSpec,
  file: string,
  names: WeightSource | null,
  datasetChannels: number | null = null,
): void {
  const weights = readWeightsFile(file);
  if (datasetChannels !== null) {
    // The dataset's image channels are known: the weights must fit the model the run will build.
    const plan = planModel(spec, {
      inputShape: [spec.trainPx, spec.trainPx, datasetChannels],
      numClasses: spec.numClasses,
    });
    fitWeights({ plan, spec }, weights, { source: names, reinitClassifier: true });
    return;
  }
  const probe = planModel(spec, {
    inputShape: [spec.trainPx, spec.trainPx, spec.inChannels],
    numClasses: spec.numClasses,
  });
  let channels = spec.inChannels;
  try {
    const fitted = fitWeights({ plan: probe, spec }, weights, { source: names, reinitClassifier: true });
    void fitted;
    return;
  } catch (e) {
    // The file's own image channels, if its stem conv is there: the dataset decides them, not the weights.
    const stem = probe.params[0];
    const entry = stem
      ? nameMap(probe, names ?? detectOr(weights.tensors.keys())).find((x) => x.nfx === stem.name)
      : undefined;
    const t = entry ? weights.tensors.get(entry.source) : undefined;
    const cin = t && entry && t.shape.length === 4 ? entry.toNfx(t).shape[2] : undefined;
    if (cin === undefined || cin === channels) throw e;
    channels = cin;
  }
  const plan = planModel(spec, { inputShape: [spec.trainPx, spec.trainPx, channels], numClasses: spec.numClasses });
  fitWeights({ plan, spec }, weights, { source: names, reinitClassifier: true });
}

function detectOr(names: Iterable<string>): WeightSource {
  return detectSource(names) ?? "nfx";
}
