// A resumed run's duration_s is its whole training time (issue 27 item 13): interrupted after 17 s at step 63 and
// resumed for 6 s, it stored 6.2 s (the last attempt only). Each attempt that leads to the result adds its seconds;
// a dead owner's attempt counts until its last heartbeat; an attempt that restarts from step 0 starts the count anew.
import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import { configHash } from "../../src/core/config/hash.js";
import { resolveConfig } from "../../src/core/config/resolve.js";
import { thisOwner } from "../../src/core/store/runOwner.js";
import { RunStore } from "../../src/core/store/runStore.js";
import { timedRuns } from "../../src/core/sweep/estimate.js";
import { tempDir } from "../helpers.js";

const SUMMARY = { test_top1: 0.5, final_loss: 1, steps: 80, images_per_s: 1 };

function oneRun(): { store: RunStore; id: number } {
  const store = RunStore.open(path.join(tempDir(), "d.db"));
  const cfg = resolveConfig({ seed: 3 });
  return { store, id: store.ensureRun(cfg, configHash(cfg), null).id };
}

/** Sets the attempt's start `seconds` ago (and its heartbeat `beatAgo` seconds ago). */
function startedAgo(store: RunStore, id: number, seconds: number, beatAgo = 0): void {
  const t = Date.now();
  store.db
    .prepare("UPDATE runs SET started_at = ?, heartbeat_at = ? WHERE id = ?")
    .run(new Date(t - seconds * 1000).toISOString(), new Date(t - beatAgo * 1000).toISOString(), id);
}

describe("a resumed run's duration", () => {
  it("is the sum of its attempts: 17 s interrupted at step 63, then 6 s resumed from step 60 → 23 s", () => {
    const { store, id } = oneRun();
    const me = thisOwner();
    assert.equal(store.claimRun(id, me, false), true);
    startedAgo(store, id, 17);
    store.finishOwnedRun(id, me, "interrupted", null, "stopped");
    assert.ok(Math.abs((store.getRun(id)?.duration_s ?? 0) - 17) < 0.5);
    assert.equal(store.claimRun(id, me, false, 60), true);
    assert.ok(Math.abs((store.getRun(id)?.duration_s ?? 0) - 17) < 0.5, "kept while the resumed attempt runs");
    startedAgo(store, id, 6);
    store.finishOwnedRun(id, me, "completed", { ...SUMMARY, resumed_from_step: 60 }, null);
    const d = store.getRun(id)?.duration_s ?? 0;
    assert.ok(Math.abs(d - 23) < 0.5, `duration_s ${d}, not 23`);
    store.close();
  });

  it("counts a killed owner's attempt until its last heartbeat", () => {
    const { store, id } = oneRun();
    const host = thisOwner().host;
    store.claimRun(id, { host, pid: 999_999_999 }, false);
    startedAgo(store, id, 30, 20); // trained 10 s, then died 20 s ago
    assert.equal(store.reapOrphans(60).length, 1);
    const reaped = store.getRun(id)?.duration_s ?? 0;
    assert.ok(Math.abs(reaped - 10) < 0.5, `reaped duration ${reaped}`);
    assert.equal(store.claimRun(id, thisOwner(), false, 40), true);
    startedAgo(store, id, 5);
    store.finishOwnedRun(id, thisOwner(), "completed", SUMMARY, null);
    assert.ok(Math.abs((store.getRun(id)?.duration_s ?? 0) - 15) < 0.5);
    store.close();
  });

  it("starts anew when an attempt restarts from step 0 (no checkpoint to continue)", () => {
    const { store, id } = oneRun();
    const me = thisOwner();
    store.claimRun(id, me, false);
    startedAgo(store, id, 17);
    store.finishOwnedRun(id, me, "interrupted", null, "stopped");
    assert.equal(store.claimRun(id, me, false, null), true);
    assert.equal(store.getRun(id)?.duration_s, null);
    startedAgo(store, id, 6);
    store.finishOwnedRun(id, me, "completed", SUMMARY, null);
    assert.ok(Math.abs((store.getRun(id)?.duration_s ?? 0) - 6) < 0.5);
    store.close();
  });

  it("is not used to time other runs: a resumed run's seconds per step mix attempts", () => {
    const { store, id } = oneRun();
    const me = thisOwner();
    store.claimRun(id, me, false);
    const env = { host: "h", backend: "wasm" } as never;
    store.recordStart(id, env, 80, null);
    store.db.prepare("UPDATE runs SET steps_done = 80 WHERE id = ?").run(id);
    startedAgo(store, id, 8);
    store.finishOwnedRun(id, me, "completed", { ...SUMMARY, resumed_from_step: 60 }, null);
    const run = store.getRun(id);
    assert.ok(run && run.duration_s !== null && run.environment?.host === "h");
    assert.deepEqual(timedRuns([run], { host: "h", backend: "wasm" } as never), []);
    const fresh = { ...run, summary: SUMMARY };
    assert.equal(timedRuns([fresh], { host: "h", backend: "wasm" } as never).length, 1);
    store.close();
  });
});
