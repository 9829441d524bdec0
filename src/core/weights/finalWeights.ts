// Where a stored run's final weights are: the store's `artifacts` row of kind `weights` (a safetensors file of the
// model's trainable parameters under nfx names, written by the trainer when the run ends: issue 17, checkpoints).
import fs from "node:fs";
import type { RunStore } from "../store/runStore.js";
import type { StoredRun } from "../store/runTypes.js";

/** The artifact kind of a run's final weights. */
export const WEIGHTS_ARTIFACT_KIND = "weights";

/**
 * The path of `run`'s final weights (the newest `weights` artifact).
 * @throws Error when the run recorded none (it did not finish, or was trained before runs kept their weights), or
 *   when the recorded file is gone.
 */
export function finalWeightsPath(store: RunStore, run: StoredRun): string {
  const rows = store.artifacts(run.id).filter((a) => a.kind === WEIGHTS_ARTIFACT_KIND);
  const last = rows.sort((a, b) => a.created_at.localeCompare(b.created_at)).at(-1);
  if (!last) {
    throw new Error(
      `run ${run.id} (${run.config_hash}) has no final weights in the store (status ${run.status}; runs keep them once they end)`,
    );
  }
  if (!fs.existsSync(last.path)) throw new Error(`run ${run.id}: its final weights ${last.path} are gone`);
  return last.path;
}
