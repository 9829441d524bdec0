// Starting a run from stored weights (`model.init_from`): read, check against the SHA-256 the config recorded,
// fit to the model (a classifier for another class count is re-initialised), assign.
import type { BuiltModel } from "../models/build.js";
import type { WeightSource } from "./nameMaps.js";
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
