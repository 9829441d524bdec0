// The single writer's batched writes: what running runs reported, written in one transaction per flush together
// with the heartbeat of every run the writer holds.
import type { StoreConn } from "./connection.js";
import type { RunOwner } from "./runOwner.js";
import { now, type WriteBatch } from "./runTypes.js";

/**
 * Writes one batch of reported metrics and evals, and refreshes the heartbeat of every run `owner` holds, in
 * one transaction. Rows of runs that `owner` no longer holds (reaped meanwhile) are dropped.
 */
export function writeBatch(store: StoreConn, batch: WriteBatch, owner: RunOwner): void {
  const held = store.db.prepare(
    "SELECT 1 FROM runs WHERE id = ? AND status = 'running' AND owner_host = ? AND owner_pid = ?",
  );
  const ins = store.db.prepare("INSERT OR REPLACE INTO metrics (run_id, step, name, value) VALUES (?, ?, ?, ?)");
  const steps = store.db.prepare("UPDATE runs SET steps_done = ? WHERE id = ?");
  const ev = store.db.prepare(
    "INSERT OR REPLACE INTO evals (run_id, step, split, top1, loss, n) VALUES (?, ?, ?, ?, ?, ?)",
  );
  store.write("writing metrics", () => {
    const holds = new Map<number, boolean>();
    const holdsRun = (id: number) => {
      let h = holds.get(id);
      if (h === undefined) {
        h = held.get(id, owner.host, owner.pid) !== undefined;
        holds.set(id, h);
      }
      return h;
    };
    for (const m of batch.metrics) {
      if (!holdsRun(m.runId)) continue;
      for (const r of m.rows) ins.run(m.runId, r.step, r.name, Number.isFinite(r.value) ? r.value : null);
      steps.run(m.stepsDone, m.runId);
    }
    for (const e of batch.evals) {
      if (holdsRun(e.runId)) ev.run(e.runId, e.step, e.split, e.top1, e.loss, e.n);
    }
    store.db
      .prepare("UPDATE runs SET heartbeat_at = ? WHERE status = 'running' AND owner_host = ? AND owner_pid = ?")
      .run(now(), owner.host, owner.pid);
  });
}
