// A store written by the first schema opens under the current one: migrations run in order, once, and keep data.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import path from "node:path";
import { describe, it } from "node:test";
import Database from "better-sqlite3";
import { canonicalJson, configHash } from "../../src/core/config/hash.js";
import { resolveConfig } from "../../src/core/config/resolve.js";
import type { RunConfig } from "../../src/core/config/schema.js";
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

  it("v4 admits the status collapsed in a v3 store, keeping its runs, metrics and the constraint on others", () => {
    const file = path.join(tempDir(), "v3.db");
    const v3 = new Database(file);
    for (const m of MIGRATIONS.slice(0, 3)) typeof m === "string" ? v3.exec(m) : m(v3);
    v3.pragma("user_version = 3");
    const cfg = resolveConfig({ optim: { lr: 0.3 } });
    v3.prepare(
      `INSERT INTO runs (config_hash, config_json, status, model, dataset, agc_granularity, agc_lambda, batch_size, seed,
         created_at) VALUES (?, ?, 'completed', 'm', 'd', 'unit', 0.01, 256, 0, 'then')`,
    ).run(configHash(cfg), JSON.stringify(cfg));
    v3.prepare("INSERT INTO metrics (run_id, step, name, value) VALUES (1, 0, 'loss', 2.3)").run();
    assert.throws(() => v3.prepare("UPDATE runs SET status = 'collapsed'").run(), /CHECK constraint/);
    v3.close();

    const store = RunStore.open(file);
    assert.equal(store.db.pragma("user_version", { simple: true }), SCHEMA_VERSION);
    store.db.prepare("UPDATE runs SET status = 'collapsed'").run();
    assert.equal(store.listRuns()[0]?.status, "collapsed");
    assert.equal((store.db.prepare("SELECT count(*) AS n FROM metrics").get() as { n: number }).n, 1);
    assert.throws(() => store.db.prepare("UPDATE runs SET status = 'bogus'").run(), /CHECK constraint/);
    assert.equal(store.db.pragma("integrity_check", { simple: true }), "ok");
    store.close();
  });

  it("v6: a ghost-BN run stored under the full-batch run's identity gets its own hash; neither is a duplicate", () => {
    const file = path.join(tempDir(), "v5.db");
    RunStore.open(file).close();
    const v5 = new Database(file);
    const full = resolveConfig({ model: { name: "bn-resnet-micro" }, train: { batch_size: 1024 } });
    const ghost = resolveConfig({ model: { name: "bn-resnet-micro" }, train: { batch_size: 1024, micro_batch: 64 } });
    // Before v6 both hashed as the full-batch run (the micro-batch was an execution detail): the second to be
    // stored was written beside the first under a placeholder, as a sweep would have served it by the first.
    const insert = v5.prepare(
      `INSERT INTO runs (config_hash, config_json, status, model, dataset, agc_granularity, agc_lambda, batch_size, seed,
         created_at, finished_at) VALUES (?, ?, 'completed', 'bn-resnet-micro', 'fashion-mnist', 'unit', 0.01, 1024, 0, 'then', 'then')`,
    );
    const a = Number(insert.run(configHash(full), JSON.stringify(full)).lastInsertRowid);
    const b = Number(insert.run("placeholder-hash", JSON.stringify(ghost)).lastInsertRowid);
    v5.pragma("user_version = 5");
    v5.close();
    const store = RunStore.open(file);
    try {
      assert.equal(store.db.pragma("user_version", { simple: true }), SCHEMA_VERSION);
      assert.equal(store.getRun(configHash(full))?.id, a);
      assert.equal(store.getRun(configHash(ghost))?.id, b, "the ghost-BN run is found by its own identity");
      assert.notEqual(configHash(full), configHash(ghost));
      assert.equal(store.getRun(configHash(ghost))?.duplicate_of, null);
    } finally {
      store.close();
    }
  });

  it("v3 re-hashes stored runs by identity; runs that become one identity are all kept, the repeats marked", () => {
    const file = path.join(tempDir(), "v2.db");
    const v2 = new Database(file);
    v2.exec(MIGRATIONS[0] as string);
    v2.exec(MIGRATIONS[1] as string);
    v2.pragma("user_version = 2");
    // Hashes as nfx wrote them before v3: SHA-256 over the whole canonical config.
    const oldHash = (cfg: unknown) => createHash("sha256").update(canonicalJson(cfg)).digest("hex").slice(0, 16);
    const insert = v2.prepare(
      `INSERT INTO runs (config_hash, config_json, status, model, dataset, agc_granularity, agc_lambda, batch_size, seed,
         created_at, finished_at) VALUES (?, ?, ?, 'm', 'd', 'unit', 0.01, 256, 0, 'then', ?)`,
    );
    const add = (cfg: unknown, status: string, finished: string | null) =>
      Number(insert.run(oldHash(cfg), JSON.stringify(cfg), status, finished).lastInsertRowid);
    const noClipA = resolveConfig({ agc: { lambda: null } });
    const noClipB = resolveConfig({ agc: { lambda: null, exclude: [] } });
    const micro16 = resolveConfig({ optim: { lr: 0.2 }, train: { micro_batch: 16 } });
    const micro64 = resolveConfig({ optim: { lr: 0.2 }, train: { micro_batch: 64 } });
    // A config stored before optim.sam_fraction existed lacks the key.
    const older: RunConfig = resolveConfig({ seed: 5 });
    delete (older.optim as Partial<RunConfig["optim"]>).sam_fraction;
    const a = add(noClipA, "completed", "2026-01-01");
    const b = add(noClipB, "completed", "2026-01-02");
    const c = add(micro16, "interrupted", null);
    const d = add(micro64, "completed", "2026-01-03");
    const e = add(older, "completed", "2026-01-04");
    v2.prepare("INSERT INTO metrics (run_id, step, name, value) VALUES (?, 1, 'loss', 2.3)").run(b);
    v2.close();

    // A reader (nfx figure, nfx runs) upgrades the store first: it looks runs up by the new hashes.
    const reader = RunStore.open(file, { readonly: true });
    assert.equal(reader.getRun(configHash(noClipB))?.id, a);
    reader.close();
    const store = RunStore.open(file);
    try {
      assert.equal(store.db.pragma("user_version", { simple: true }), SCHEMA_VERSION);
      const rows = store.db.prepare("SELECT id, config_hash, duplicate_of FROM runs ORDER BY id").all() as {
        id: number;
        config_hash: string;
        duplicate_of: number | null;
      }[];
      assert.equal(rows.length, 5, "nothing is deleted");
      const byId = new Map(rows.map((r) => [r.id, r]));
      assert.equal(byId.get(a)?.config_hash, configHash(noClipA));
      assert.equal(byId.get(a)?.duplicate_of, null);
      assert.equal(byId.get(b)?.duplicate_of, a, "the later repeat points at the run that keeps the hash");
      assert.notEqual(byId.get(b)?.config_hash, configHash(noClipA));
      assert.match(byId.get(b)?.config_hash ?? "", /^[0-9a-f]{16}$/);
      assert.equal(store.metrics(b).length, 1, "a repeat keeps its data");
      assert.equal(store.getRun(b)?.duplicate_of, a, "and says which run it repeats");
      assert.equal(byId.get(d)?.config_hash, configHash(micro64), "the finished run keeps the hash");
      assert.equal(byId.get(c)?.duplicate_of, d);
      assert.equal(byId.get(e)?.config_hash, configHash(resolveConfig({ seed: 5 })));
      // A sweep asking for either spelling finds the kept run.
      assert.equal(store.ensureRun(noClipB, configHash(noClipB), null).id, a);
    } finally {
      store.close();
    }
  });

  it("refuses a store from a newer nfx", () => {
    const file = path.join(tempDir(), "new.db");
    const db = new Database(file);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    assert.throws(() => RunStore.open(file), /newer than this nfx/);
  });
});
