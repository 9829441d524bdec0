// Export/import round trip, idempotent merge by config hash, CSV shape, and the read-only query connection.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { configHash } from "../../src/core/config/hash.js";
import { resolveConfig } from "../../src/core/config/resolve.js";
import { exportBundle, importBundle } from "../../src/core/store/bundle.js";
import { runsToCsv } from "../../src/core/store/exportTable.js";
import { groupRuns, meanCi } from "../../src/core/store/groupRuns.js";
import { readonlyQuery } from "../../src/core/store/readonlyQuery.js";
import { thisOwner } from "../../src/core/store/runOwner.js";
import { type RunEnvironment, RunStore } from "../../src/core/store/runStore.js";
import { nfx } from "../e2e/sweepHelpers.js";
import { tempDir } from "../helpers.js";

const env: RunEnvironment = {
  backend: "wasm",
  backend_version: "4.22.0",
  device: "cpu",
  host: "h",
  node_version: process.version,
  nfx_version: "0.1.0",
  git_commit: "abc",
  git_dirty: false,
  extra: {},
};

/** A store with runs trained through the orchestrator's write path (claim, start, batch, finish). */
function fill(file: string, lambdas: (number | null)[], status: "completed" | "interrupted" = "completed"): RunStore {
  const store = RunStore.open(file);
  const owner = thisOwner();
  const sweep = store.createSweep("s", null, {});
  for (const [i, lambda] of lambdas.entries()) {
    const cfg = resolveConfig({ agc: { lambda }, seed: i % 2 });
    const { id } = store.ensureRun(cfg, configHash(cfg), sweep);
    assert.ok(store.claimRun(id, owner, false));
    assert.equal(store.claimRun(id, owner, false), false, "a run is claimed once");
    store.recordStart(id, env, 3, null);
    store.writeBatch(
      {
        metrics: [
          { runId: id, rows: [0, 1, 2].map((s) => ({ step: s, name: "loss", value: 2 - s / 10 + i })), stepsDone: 3 },
        ],
        evals: [{ runId: id, step: 3, split: "test", top1: 0.5 + i / 10, loss: 1, n: 10 }],
      },
      owner,
    );
    store.finishOwnedRun(
      id,
      owner,
      status,
      status === "completed" ? { test_top1: 0.5 + i / 10, final_loss: 1.8, steps: 3, images_per_s: 9 } : null,
      null,
    );
    store.addArtifact(id, "note", path.join(path.dirname(file), "missing.txt"));
  }
  return store;
}

function dump(store: RunStore): unknown {
  return store.listRuns().map((r) => ({
    hash: r.config_hash,
    status: r.status,
    config: r.config,
    summary: r.summary,
    env: r.environment,
    metrics: store.metrics(r.id),
    evals: store.evals(r.id),
    artifacts: store.artifacts(r.id),
  }));
}

describe("export and import", () => {
  it("a bundle round-trips losslessly and imports idempotently", () => {
    const dir = tempDir();
    const a = fill(path.join(dir, "a.db"), [0.01, 0.04, null]);
    const bundle = path.join(dir, "a.nfxb");
    exportBundle(a, a.listRuns(), bundle);
    const b = RunStore.open(path.join(dir, "b.db"));
    assert.deepEqual(importBundle(b, bundle), { inserted: 3, replaced: 0, kept: 0, sweeps: 1 });
    assert.deepEqual(dump(b), dump(a));
    assert.deepEqual(importBundle(b, bundle), { inserted: 0, replaced: 0, kept: 3, sweeps: 0 }, "idempotent");
    assert.deepEqual(dump(b), dump(a));
    const links = b.db.prepare("SELECT count(*) AS n FROM sweep_runs").get() as { n: number };
    assert.equal(links.n, 3);
    a.close();
    b.close();
  });

  it("a finished run replaces an unfinished one with the same config; never the reverse", () => {
    const dir = tempDir();
    const done = fill(path.join(dir, "done.db"), [0.01]);
    const half = fill(path.join(dir, "half.db"), [0.01], "interrupted");
    const doneBundle = path.join(dir, "done.nfxb");
    const halfBundle = path.join(dir, "half.nfxb");
    exportBundle(done, done.listRuns(), doneBundle);
    exportBundle(half, half.listRuns(), halfBundle);
    assert.equal(importBundle(done, halfBundle).kept, 1);
    assert.equal(done.listRuns()[0]?.status, "completed");
    assert.equal(importBundle(half, doneBundle).replaced, 1);
    assert.equal(half.listRuns()[0]?.status, "completed");
    assert.equal(half.listRuns().length, 1, "no duplicate hash");
    done.close();
    half.close();
  });

  it("refuses a file that is not a bundle", () => {
    const dir = tempDir();
    const store = RunStore.open(path.join(dir, "x.db"));
    const f = path.join(dir, "notes.txt");
    fs.writeFileSync(f, "hello\n");
    assert.throws(() => importBundle(store, f), /not an nfx bundle/);
    store.close();
  });

  it("CSV has one row per run with config keys as columns", () => {
    const store = fill(path.join(tempDir(), "c.db"), [0.01, null]);
    const lines = runsToCsv(store.listRuns()).trim().split("\n");
    assert.equal(lines.length, 3);
    const header = lines[0]?.split(",") ?? [];
    assert.ok(header.includes("agc.lambda") && header.includes("train.batch_size") && header.includes("test_top1"));
    store.close();
  });

  it("groups replicates with mean ± 95% CI", () => {
    const m = meanCi([1, 2, 3]);
    assert.equal(m.mean, 2);
    assert.ok(Math.abs((m.ci95 as number) - (4.303 * 1) / Math.sqrt(3)) < 1e-9);
    const store = fill(path.join(tempDir(), "g.db"), [0.01, 0.01, null]);
    const groups = groupRuns(store.listRuns(), ["agc.lambda"], ["test_top1"]);
    assert.equal(groups.length, 2);
    assert.equal(groups[0]?.metrics.test_top1?.n, 2);
    store.close();
  });
});

describe("read-only SQL", () => {
  it("runs reads and refuses writes, leaving the store unchanged", () => {
    const file = path.join(tempDir(), "q.db");
    fill(file, [0.01, null]).close();
    const before = fs.readFileSync(file);
    assert.deepEqual(readonlyQuery(file, "SELECT count(*) AS n FROM runs").rows, [{ n: 2 }]);
    assert.equal(readonlyQuery(file, "WITH x AS (SELECT 1 AS v) SELECT v FROM x").rows.length, 1);
    assert.equal(readonlyQuery(file, "PRAGMA user_version").rows.length, 1);
    for (const sql of [
      "DELETE FROM runs",
      "update runs set status = 'failed'",
      "DROP TABLE runs",
      "INSERT INTO sweeps (name, spec_json, created_at) VALUES ('x', '{}', 'now')",
      "WITH x AS (SELECT 1) DELETE FROM runs",
      "PRAGMA user_version = 7",
      "ATTACH DATABASE 'other.db' AS o",
      "VACUUM",
    ]) {
      assert.throws(() => readonlyQuery(file, sql), /nfx query is read-only/, sql);
    }
    assert.throws(() => readonlyQuery(file, "SELECT 1; DELETE FROM runs"), /more than one statement/);
    assert.deepEqual(fs.readFileSync(file), before);
  });

  it("a truncated or malformed bundle is refused whole, naming the line; nothing written, no store created", () => {
    const dir = tempDir();
    const a = fill(path.join(dir, "a.db"), [0.01, 0.04, null]);
    const bundle = path.join(dir, "a.nfxb");
    exportBundle(a, a.listRuns(), bundle);
    const lines = fs.readFileSync(bundle, "utf8").split("\n").filter(Boolean);
    const target = RunStore.open(path.join(dir, "t.db"));
    // Every cut at a line boundary (`head -n k`) is refused: a run without its evals, or fewer runs than announced.
    for (let k = 1; k < lines.length; k++) {
      const cut = path.join(dir, `cut${k}.nfxb`);
      fs.writeFileSync(cut, `${lines.slice(0, k).join("\n")}\n`);
      assert.throws(() => importBundle(target, cut), /^Error: .*cut\d+\.nfxb:\d+: incomplete bundle: /, `head -n ${k}`);
    }
    const full = fs.readFileSync(bundle, "utf8");
    const mid = path.join(dir, "mid.nfxb");
    fs.writeFileSync(mid, full.slice(0, full.length - 20));
    assert.throws(() => importBundle(target, mid), new RegExp(`mid\\.nfxb:${lines.length}: .*cut off`));
    assert.deepEqual(target.listRuns(), [], "nothing imported");
    assert.throws(() => importBundle(target, path.join(dir, "nofile")), /nofile: no such bundle file$/);
    assert.throws(() => importBundle(target, dir), /: is a directory, not a bundle file$/);
    target.close();

    const fresh = path.join(dir, "fresh.db");
    const cli = nfx(["import", path.join(dir, "cut4.nfxb"), "--db", fresh], dir);
    assert.equal(cli.status, 2, cli.stderr);
    assert.match(cli.stderr, /^nfx: error: .*cut4\.nfxb:5: incomplete bundle: run \w+ \(line 3\) has no evals line/);
    assert.equal(fs.existsSync(fresh), false, "no store created");
    const ok = nfx(["import", bundle, "--db", fresh, "--json"], dir);
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal((JSON.parse(ok.stdout) as { inserted: number }).inserted, 3);
  });
});
