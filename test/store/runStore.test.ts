import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { configHash } from "../../src/core/config/hash.js";
import { resolveConfig } from "../../src/core/config/resolve.js";
import { type RunEnvironment, RunStore } from "../../src/core/store/runStore.js";
import { tempDir } from "../helpers.js";

const env: RunEnvironment = {
  backend: "cpu",
  backend_version: "4.22.0",
  device: "test CPU",
  host: "h",
  node_version: process.version,
  nfx_version: "0.0.0",
  git_commit: null,
  git_dirty: null,
  extra: { note: "x" },
};

describe("run store", () => {
  it("round-trips a run: config, status, metrics, evals, summary, environment", () => {
    const file = path.join(tempDir(), "sub", "nfx.db");
    const cfg = resolveConfig({ agc: { lambda: 0.04 }, train: { batch_size: 128 }, seed: 3 });
    const hash = configHash(cfg);
    let store = RunStore.open(file);
    const sweep = store.createSweep("s", null, { a: 1 });
    const { id, status } = store.ensureRun(cfg, hash, sweep);
    assert.equal(status, "pending");
    assert.deepEqual(store.ensureRun(cfg, hash, sweep), { id, status: "pending" }, "same hash → same run");
    store.startRun(id, env, 3);
    store.appendMetrics(
      id,
      [0, 1, 2].flatMap((s) => [
        { step: s, name: "loss", value: 2 - s / 2 },
        { step: s, name: "lr", value: 0.1 },
      ]),
      3,
    );
    store.addEval(id, 3, "test", 0.75, 0.6, 100);
    store.finishRun(id, "completed", { test_top1: 0.75, final_loss: 1, steps: 3, images_per_s: 10 }, null);
    store.close();

    store = RunStore.open(file, { readonly: true });
    const run = store.getRun(id);
    assert.ok(run);
    assert.equal(run.status, "completed");
    assert.deepEqual(run.config, cfg);
    assert.equal(run.config_hash, hash);
    assert.equal(run.summary?.test_top1, 0.75);
    assert.deepEqual(run.environment, env);
    assert.equal(run.steps_done, 3);
    assert.deepEqual(store.getRun(hash.slice(0, 6))?.id, id, "lookup by hash prefix");
    assert.deepEqual(
      store.metrics(id, "loss").map((m) => m.value),
      [2, 1.5, 1],
    );
    store.close();

    // Readable with the standard sqlite3 shell, tables runs and metrics.
    const sqlite3 = ["/usr/bin/sqlite3", "/usr/local/bin/sqlite3"].find((p) => fs.existsSync(p));
    if (sqlite3) {
      const out = execFileSync(sqlite3, [
        file,
        "SELECT status, agc_lambda, batch_size FROM runs; SELECT count(*) FROM metrics;",
      ]).toString();
      assert.equal(out.trim(), "completed|0.04|128\n6");
    }
  });

  it("restarting a run clears what the unfinished attempt left", () => {
    const store = RunStore.open(path.join(tempDir(), "a.db"));
    const cfg = resolveConfig({});
    const { id } = store.ensureRun(cfg, configHash(cfg), null);
    store.startRun(id, env, 10);
    store.appendMetrics(id, [{ step: 0, name: "loss", value: 1 }], 1);
    store.startRun(id, env, 10);
    assert.equal(store.metrics(id).length, 0);
    assert.equal(store.getRun(id)?.status, "running");
    store.close();
  });

  it("refuses a file that is not an SQLite database and leaves it untouched", () => {
    const file = path.join(tempDir(), "notes.txt");
    fs.writeFileSync(file, "my precious notes\n");
    assert.throws(() => RunStore.open(file), /not an SQLite database/);
    assert.equal(fs.readFileSync(file, "utf8"), "my precious notes\n");
  });
});
