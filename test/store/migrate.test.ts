// A store written by the first schema opens under the current one: migrations run in order, once, and keep data.
import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import Database from "better-sqlite3";
import { configHash } from "../../src/core/config/hash.js";
import { resolveConfig } from "../../src/core/config/resolve.js";
import { RunStore } from "../../src/core/store/runStore.js";
import { MIGRATIONS, SCHEMA_VERSION } from "../../src/core/store/schema.js";
import { tempDir } from "../helpers.js";

describe("store migrations", () => {
  it("upgrades a v1 store in place, keeping its runs", () => {
    const file = path.join(tempDir(), "v1.db");
    const v1 = new Database(file);
    v1.exec(MIGRATIONS[0] as string);
    v1.pragma("user_version = 1");
    const cfg = resolveConfig({ optim: { lr: 0.3 } });
    v1.prepare(
      `INSERT INTO runs (config_hash, config_json, status, model, dataset, agc_granularity, agc_lambda, batch_size, seed,
         created_at) VALUES (?, ?, 'completed', 'm', 'd', 'unit', 0.01, 256, 0, 'then')`,
    ).run(configHash(cfg), JSON.stringify(cfg));
    v1.prepare("INSERT INTO sweeps (name, spec_json, created_at) VALUES ('old', '{}', 'then')").run();
    v1.close();

    const store = RunStore.open(file);
    assert.equal(store.db.pragma("user_version", { simple: true }), SCHEMA_VERSION);
    const run = store.listRuns()[0];
    assert.equal(run?.status, "completed");
    assert.equal(run?.attempts, 0);
    const row = store.db.prepare("SELECT optim_lr FROM runs").get() as { optim_lr: number };
    assert.equal(row.optim_lr, 0.3);
    const sweep = store.db.prepare("SELECT uid FROM sweeps").get() as { uid: string };
    assert.match(sweep.uid, /^[0-9a-f]{32}$/);
    store.close();
    // Opening again runs nothing twice.
    RunStore.open(file).close();
  });

  it("refuses a store from a newer nfx", () => {
    const file = path.join(tempDir(), "new.db");
    const db = new Database(file);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    assert.throws(() => RunStore.open(file), /newer than this nfx/);
  });
});
