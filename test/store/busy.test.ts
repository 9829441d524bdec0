// A store that another process is writing: every write path waits (past SQLite's own busy timeout) and then
// succeeds, nothing lost; a wait has a bound, after which one clear error says so and nothing is half-written;
// readers never wait for a writer.
import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import { configHash } from "../../src/core/config/hash.js";
import { resolveConfig } from "../../src/core/config/resolve.js";
import { exportBundle, importBundle } from "../../src/core/store/bundle.js";
import { StoreBusyError, storeWait } from "../../src/core/store/connection.js";
import { readonlyQuery } from "../../src/core/store/readonlyQuery.js";
import { thisOwner } from "../../src/core/store/runOwner.js";
import { RunStore } from "../../src/core/store/runStore.js";
import { TEST_ENV } from "../figures/constructedStore.js";
import { tempDir } from "../helpers.js";
import { holdWriteLock } from "./lockHolder.js";

const WAIT = { totalMs: 10_000, attemptMs: 40 };
const HOLD_MS = 200;

function newStore(): { file: string; store: RunStore; hash: string; cfg: ReturnType<typeof resolveConfig> } {
  const file = path.join(tempDir(), "busy.db");
  const store = RunStore.open(file, { wait: WAIT });
  const cfg = resolveConfig({ seed: 7 });
  return { file, store, hash: configHash(cfg), cfg };
}

/**
 * Runs `op` while another process holds the write lock for HOLD_MS (6× SQLite's per-attempt timeout here).
 * `waitedPastCommit`: how long after the holder's COMMIT `op` ended (≥ 0 when it waited for the lock). Measured
 * against the commit, not as a duration: on a loaded machine part of the hold passes before `op` even starts.
 */
async function underLock<T>(file: string, op: () => T): Promise<{ value: T; waitedPastCommit: number }> {
  const { released } = await holdWriteLock(file, HOLD_MS);
  const value = op();
  const ended = Date.now();
  return { value, waitedPastCommit: ended - (await released) };
}

describe("a store another process is writing", () => {
  it("every write path waits past SQLite's busy timeout and succeeds, nothing lost", async () => {
    const { file, store, hash, cfg } = newStore();
    const me = thisOwner();
    const waits: Record<string, number> = {};
    const step = async <T>(name: string, op: () => T): Promise<T> => {
      const r = await underLock(file, op);
      waits[name] = r.waitedPastCommit;
      return r.value;
    };
    const sweep = await step("createSweep", () => store.createSweep("s", null, {}));
    const [reg] = await step("ensureRuns", () => store.ensureRuns([{ config: cfg, hash }], sweep));
    const id = (reg as { id: number }).id;
    await step("reapOrphans", () => store.reapOrphans(30));
    assert.equal(await step("claimRun", () => store.claimRun(id, me, false)), true);
    await step("recordStart", () => store.recordStart(id, TEST_ENV, 3, null));
    await step("writeBatch", () =>
      store.writeBatch(
        {
          metrics: [{ runId: id, rows: [0, 1, 2].map((s) => ({ step: s, name: "loss", value: 2 - s })), stepsDone: 3 }],
          evals: [{ runId: id, step: 3, split: "test", top1: 0.5, loss: 1, n: 10 }],
        },
        me,
      ),
    );
    const summary = { test_top1: 0.5, final_loss: 0, steps: 3, images_per_s: 1 };
    assert.equal(await step("finishOwnedRun", () => store.finishOwnedRun(id, me, "completed", summary, null)), true);
    await step("addArtifact", () => store.addArtifact(id, "figure", path.join(path.dirname(file), "none.svg")));
    await step("finishSweep", () => store.finishSweep(sweep, { ok: true }));

    const bundle = path.join(path.dirname(file), "b.nfxb");
    exportBundle(store, store.listRuns(), bundle);
    const other = RunStore.open(path.join(path.dirname(file), "other.db"), { wait: WAIT });
    const imported = await underLock(other.file, () => importBundle(other, bundle));
    assert.deepEqual(imported.value, { inserted: 1, replaced: 0, kept: 0, sweeps: 1 }, "counted once, not per attempt");
    waits.importBundle = imported.waitedPastCommit;
    assert.equal((await underLock(other.file, () => other.deleteRuns([1]))).value, 1, "runs rm");
    other.close();

    for (const [name, ms] of Object.entries(waits))
      assert.ok(ms >= 0, `${name} ended ${-ms} ms before the lock was released`);
    const run = store.getRun(id);
    assert.equal(run?.status, "completed");
    assert.equal(run?.steps_done, 3);
    assert.deepEqual(
      store.metrics(id, "loss").map((m) => m.value),
      [2, 1, 0],
    );
    assert.equal(store.evals(id).length, 1);
    assert.equal(store.artifacts(id).length, 1);
    store.close();
  });

  it("a transaction that reads before it writes waits too (BEGIN IMMEDIATE), where SQLite alone fails at once", async () => {
    const { file, store, hash, cfg } = newStore();
    const { id } = store.ensureRun(cfg, hash, null);
    // finishRun reads started_at, then writes: as a deferred transaction it got SQLITE_BUSY without waiting.
    const r = await underLock(file, () =>
      store.write("a read then a write", () => {
        store.getRun(id);
        store.finishRun(id, "failed", null, "x");
      }),
    );
    assert.ok(r.waitedPastCommit >= 0, `ended ${-r.waitedPastCommit} ms before the lock was released`);
    assert.equal(store.getRun(id)?.status, "failed");
    store.close();
  });

  it("the wait is bounded: one clear error naming the store, nothing half-written, the next write succeeds", async () => {
    const { file, store, hash, cfg } = newStore();
    const { id } = store.ensureRun(cfg, hash, null);
    const me = thisOwner();
    assert.equal(store.claimRun(id, me, false), true);
    store.close();
    const short = RunStore.open(file, { wait: { totalMs: 400, attemptMs: 50 } });
    const { released } = await holdWriteLock(file, 2500);
    const batch = {
      metrics: [{ runId: id, rows: [{ step: 0, name: "loss", value: 1 }], stepsDone: 1 }],
      evals: [],
    };
    const t0 = Date.now();
    assert.throws(
      () => short.writeBatch(batch, me),
      (err: Error) =>
        err instanceof StoreBusyError &&
        err.message.startsWith(`${file}: the store stayed locked by another process for `) &&
        /while writing metrics; nothing of it was written/.test(err.message) &&
        !err.message.includes("\n"),
    );
    const waited = Date.now() - t0;
    assert.ok(waited >= 400 && waited < 2000, `gave up after the bound (${waited} ms)`);
    // Readers do not wait for the writer.
    const t1 = Date.now();
    assert.deepEqual(readonlyQuery(file, "SELECT count(*) AS n FROM metrics").rows, [{ n: 0 }]);
    const reader = RunStore.open(file, { readonly: true });
    assert.equal(reader.getRun(id)?.status, "running");
    assert.ok(Date.now() - t1 < 300, "readers answer while the lock is held");
    await released;
    assert.equal(short.metrics(id).length, 0, "nothing of the failed write");
    short.writeBatch(batch, me);
    assert.equal(reader.metrics(id).length, 1);
    reader.close();
    short.close();
  });

  it("NFX_STORE_WAIT_S sets the bound (SQLite's own timeout a quarter of it, at most 5 s); bad values are refused", () => {
    assert.deepEqual(storeWait({ NFX_STORE_WAIT_S: "2" }), { totalMs: 2000, attemptMs: 500 });
    assert.deepEqual(storeWait({}), { totalMs: 300_000, attemptMs: 5000 });
    assert.throws(() => storeWait({ NFX_STORE_WAIT_S: "soon" }), /NFX_STORE_WAIT_S: must be a positive number/);
  });
});
