// Ownership of running runs: atomic claims, orphan detection by dead owner or a heartbeat seen unchanged, and writes that only
// the owner can make.
import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import { configHash } from "../../src/core/config/hash.js";
import { resolveConfig } from "../../src/core/config/resolve.js";
import { HeartbeatWatch, thisOwner } from "../../src/core/store/runOwner.js";
import { RunStore } from "../../src/core/store/runStore.js";
import { tempDir } from "../helpers.js";

function withRuns(n: number): { store: RunStore; ids: number[] } {
  const store = RunStore.open(path.join(tempDir(), "c.db"));
  const ids = Array.from({ length: n }, (_, i) => {
    const cfg = resolveConfig({ seed: i });
    return store.ensureRun(cfg, configHash(cfg), null).id;
  });
  return { store, ids };
}

describe("run ownership", () => {
  it("a run is claimed once; failed runs only with retryFailed; done runs never", () => {
    const { store, ids } = withRuns(2);
    const [a, b] = ids as [number, number];
    const me = thisOwner();
    assert.equal(store.claimRun(a, me, false), true);
    assert.equal(store.claimRun(a, { host: "elsewhere", pid: 1 }, false), false);
    store.finishOwnedRun(a, me, "failed", null, "boom");
    assert.equal(store.claimRun(a, me, false), false);
    assert.equal(store.claimRun(a, me, true), true);
    assert.equal(store.getRun(a)?.attempts, 2);
    store.finishOwnedRun(a, me, "completed", { test_top1: 1, final_loss: 0, steps: 1, images_per_s: 1 }, null);
    assert.equal(store.claimRun(a, me, true), false);
    assert.equal(store.claimRun(b, me, false), true);
    store.close();
  });

  it("finds orphans by dead owner (same host) or stale heartbeat (any host), never a live fresh owner", () => {
    const { store, ids } = withRuns(4);
    const [dead, staleOther, freshOther, mine] = ids as [number, number, number, number];
    const host = thisOwner().host;
    store.claimRun(dead, { host, pid: 999_999_999 }, false);
    store.claimRun(staleOther, { host: "other-host", pid: 5 }, false);
    store.claimRun(freshOther, { host: "other-host", pid: 6 }, false);
    store.claimRun(mine, thisOwner(), false);
    store.db
      .prepare("UPDATE runs SET heartbeat_at = ? WHERE id IN (?, ?)")
      .run("2000-01-01T00:00:00.000Z", staleOther, mine);
    // The reader's clock: a heartbeat counts as stale once seen unchanged for 30 s on it (runOwner.HeartbeatWatch),
    // not by its value (a heartbeat from 2000 is another host's clock as far as this one can tell).
    let t = 0;
    const watch = new HeartbeatWatch(() => t);
    const first = store.reapOrphans(30, undefined, watch);
    assert.deepEqual(
      first.map((r) => r.id),
      [dead],
      "at the first look only the dead pid on this host is known to be gone",
    );
    t = 20_000;
    store.db.prepare("UPDATE runs SET heartbeat_at = ? WHERE id = ?").run(new Date().toISOString(), freshOther);
    assert.deepEqual(store.reapOrphans(30, undefined, watch), []);
    t = 31_000;
    const reaped = [...first, ...store.reapOrphans(30, undefined, watch)];
    assert.deepEqual(reaped.map((r) => r.id).sort(), [dead, staleOther].sort());
    assert.match(reaped.find((r) => r.id === dead)?.reason ?? "", /owner process 999999999 is gone/);
    assert.match(reaped.find((r) => r.id === staleOther)?.reason ?? "", /heartbeat unchanged for 31 s as seen here/);
    assert.equal(store.getRun(dead)?.status, "interrupted");
    assert.equal(store.getRun(freshOther)?.status, "running");
    assert.equal(store.getRun(mine)?.status, "running", "this process's own runs are never orphans");
    assert.equal(store.claimRun(dead, thisOwner(), false), true, "an orphan is claimable again");
    store.close();
  });

  it("only the owner writes a run's metrics and ends it", () => {
    const { store, ids } = withRuns(1);
    const id = ids[0] as number;
    const me = thisOwner();
    const other = { host: "other-host", pid: 7 };
    store.claimRun(id, other, false);
    store.writeBatch(
      { metrics: [{ runId: id, rows: [{ step: 0, name: "loss", value: 1 }], stepsDone: 1 }], evals: [] },
      me,
    );
    assert.equal(store.metrics(id).length, 0);
    assert.equal(store.finishOwnedRun(id, me, "completed", null, null), false);
    store.writeBatch(
      { metrics: [{ runId: id, rows: [{ step: 0, name: "loss", value: 1 }], stepsDone: 1 }], evals: [] },
      other,
    );
    assert.equal(store.metrics(id).length, 1);
    assert.equal(store.finishOwnedRun(id, other, "completed", null, null), true);
    assert.equal(store.getRun(id)?.owner, null);
    store.close();
  });
});
