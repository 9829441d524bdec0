// Where a stored run's final weights are: its final checkpoint (the store's `artifacts` row of kind `checkpoint`
// marked final: train/checkpoint.ts FINAL_CHECKPOINT, written when the run ends; readWeightsFile reads its model
// weights). A row of kind `weights` (a plain safetensors of nfx names recorded by hand with the store's
// addArtifact) is the alternative for runs that have no final checkpoint.
// It reads the store, so it sits in core/runWeights/ with the other weights of stored runs (runWeights.ts says why).
import fs from "node:fs";
import { fileFault } from "../base/files.js";
import { checkpointRows } from "../store/checkpointRecords.js";
import type { RunStore } from "../store/runStore.js";
import type { StoredRun } from "../store/runTypes.js";

/** The artifact kind of a plain weights file recorded for a run (the alternative to its final checkpoint). */
export const WEIGHTS_ARTIFACT_KIND = "weights";

/**
 * The path of `run`'s final weights: its final checkpoint, else the newest `weights` artifact.
 * @throws Error when the run recorded neither (it did not finish, or was trained without a final checkpoint), or
 *   when the recorded file is gone or no longer the one recorded (its size or SHA-256 differ).
 */
export function finalWeightsPath(store: RunStore, run: StoredRun): string {
  const final = checkpointRows(store, run.id).find((r) => r.final);
  const rows = store.artifacts(run.id).filter((a) => a.kind === WEIGHTS_ARTIFACT_KIND);
  const last = final?.path ?? rows.sort((a, b) => a.created_at.localeCompare(b.created_at)).at(-1)?.path;
  if (!last) {
    throw new Error(
      `run ${run.id} (${run.config_hash}) has no final weights in the store (status ${run.status}; a run keeps them in its final checkpoint once it ends)`,
    );
  }
  if (!fs.existsSync(last)) throw new Error(`run ${run.id}: its final weights ${last} are gone`);
  // The file must still be the one the run recorded (size and SHA-256), not something written over it since.
  const fault = final ? fileFault(final.path, final.sha256, final.bytes) : null;
  if (fault) throw new Error(`run ${run.id}: its final weights ${last} are not what the run recorded (${fault})`);
  return last;
}
