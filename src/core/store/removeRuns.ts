// Which runs `nfx runs rm` may delete: every reference must name a run, and a run that a live sweep is training
// is refused (deleting it under its writer would lose the writer's updates silently).
import { pidAlive, thisOwner } from "./runOwner.js";
import type { RunStore, StoredRun } from "./runStore.js";

export function resolveRunRefs(store: RunStore, refs: readonly string[]): StoredRun[] {
  const me = thisOwner();
  const out = new Map<number, StoredRun>();
  for (const ref of refs) {
    const run = store.getRun(ref);
    if (!run) throw new Error(`no run '${ref}' in ${store.file} (nothing deleted)`);
    if (run.status === "running" && run.owner && run.owner.host === me.host && pidAlive(run.owner.pid)) {
      throw new Error(`run ${run.id} is running in process ${run.owner.pid}; stop that sweep first (nothing deleted)`);
    }
    out.set(run.id, run);
  }
  return [...out.values()];
}
