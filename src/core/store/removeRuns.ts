// Which runs `nfx runs rm` may delete: every reference must name exactly one run (see RunStore.runCandidates), and
// a run that a live sweep is training is refused (deleting it under its writer would lose the writer's updates
// silently). Everything is resolved before anything is deleted.
import { pidAlive, thisOwner } from "./runOwner.js";
import type { RunStore, StoredRun } from "./runStore.js";

/**
 * The runs `refs` name, each once. Throws, naming the reference and saying that nothing was deleted, for one that
 * names no run, is ambiguous (listing the candidates) or is not an id or hash prefix, and for a run that a live
 * process on this host is training.
 */
export function resolveRunRefs(store: RunStore, refs: readonly string[]): StoredRun[] {
  const me = thisOwner();
  const out = new Map<number, StoredRun>();
  for (const ref of refs) {
    let run: StoredRun | undefined;
    try {
      run = store.getRun(ref);
    } catch (err) {
      throw new Error(`${(err as Error).message} (nothing deleted)`);
    }
    if (!run) throw new Error(`no run '${ref}' in ${store.file} (nothing deleted)`);
    if (run.status === "running" && run.owner && run.owner.host === me.host && pidAlive(run.owner.pid)) {
      throw new Error(`run ${run.id} is running in process ${run.owner.pid}; stop that sweep first (nothing deleted)`);
    }
    out.set(run.id, run);
  }
  return [...out.values()];
}
