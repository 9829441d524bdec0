// The store commands through the real CLI: queries, show, rm, export/import, and bad input refused with one line.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { tempDir, testBackend, writeFile } from "../helpers.js";
import { nfx, tinySweep } from "./sweepHelpers.js";

/** oclif wraps long error lines at the terminal width: undo that before matching. */
function flat(stderr: string): string {
  return stderr.replace(/\s*\n\s*›\s*/g, " ");
}

function oneLineError(stderr: string): void {
  assert.doesNotMatch(stderr, /\n\s+at /, "no stack trace");
}

describe("store commands, end to end", () => {
  it("query, show, group, export, import, rm on a small sweep", () => {
    const dir = tempDir();
    const cfg = writeFile(dir, "tiny.yaml", tinySweep({ steps: 3 }));
    const run = nfx(
      ["sweep", cfg, "--db", "a.db", "--backend", testBackend(), "--out", "figs", "--jobs", "2", "--quiet"],
      dir,
    );
    assert.equal(run.status, 0, run.stderr);

    const where = nfx(["runs", "--db", "a.db", "--where", "agc.lambda = null and seed in (1)", "--json"], dir);
    assert.equal(where.status, 0, where.stderr);
    const picked = JSON.parse(where.stdout) as { config: { seed: number; agc: { lambda: null } } }[];
    assert.equal(picked.length, 1);
    assert.equal(picked[0]?.config.seed, 1);

    const groups = JSON.parse(nfx(["runs", "--db", "a.db", "--group-by", "agc.lambda", "--json"], dir).stdout) as {
      runs: number;
      metrics: { test_top1: { n: number } };
    }[];
    assert.deepEqual(
      groups.map((g) => g.runs),
      [2, 2],
    );

    const show = nfx(["runs", "show", "1", "--db", "a.db", "--json"], dir);
    assert.equal(show.status, 0, show.stderr);
    const detail = JSON.parse(show.stdout) as {
      metrics: { name: string }[];
      evals: unknown[];
      environment: { backend: string };
    };
    assert.ok(detail.metrics.some((m) => m.name === "loss"));
    assert.equal(detail.evals.length, 1);
    assert.equal(detail.environment.backend, testBackend());

    const csv = nfx(["export", "--db", "a.db", "--format", "csv"], dir);
    assert.equal(csv.stdout.trim().split("\n").length, 5);
    assert.equal(nfx(["export", "--db", "a.db", "--format", "bundle", "--out", "a.nfxb"], dir).status, 0);
    const imp = nfx(["import", "a.nfxb", "--db", "b.db", "--json"], dir);
    assert.equal((JSON.parse(imp.stdout) as { inserted: number }).inserted, 4);
    const again = nfx(["import", "a.nfxb", "--db", "b.db", "--json"], dir);
    assert.equal((JSON.parse(again.stdout) as { kept: number }).kept, 4);
    const q = nfx(["query", "SELECT count(*) AS n FROM metrics WHERE name = 'loss'", "--db", "b.db", "--json"], dir);
    assert.deepEqual(JSON.parse(q.stdout), [{ n: 12 }]);

    const noYes = nfx(["runs", "rm", "1", "--db", "b.db"], dir);
    assert.notEqual(noYes.status, 0);
    assert.match(flat(noYes.stderr), /refusing to delete 1 runs without --yes/);
    const rm = nfx(["runs", "rm", "1", "2", "--db", "b.db", "--yes"], dir);
    assert.equal(rm.status, 0, rm.stderr);
    assert.equal((JSON.parse(nfx(["runs", "--db", "b.db", "--json"], dir).stdout) as unknown[]).length, 2);
    const q2 = nfx(
      ["query", "SELECT count(*) AS n FROM metrics WHERE run_id IN (1, 2)", "--db", "b.db", "--json"],
      dir,
    );
    assert.deepEqual(JSON.parse(q2.stdout), [{ n: 0 }], "metrics deleted with their runs");

    // Writes through nfx query are refused; the store is unchanged.
    const before = fs.readFileSync(path.join(dir, "a.db"));
    const del = nfx(["query", "DELETE FROM runs", "--db", "a.db"], dir);
    assert.notEqual(del.status, 0);
    assert.match(flat(del.stderr), /nfx query is read-only: refusing 'DELETE'/);
    oneLineError(del.stderr);
    assert.deepEqual(fs.readFileSync(path.join(dir, "a.db")), before);
  });

  it("bad input: one clear line, non-zero exit, nothing written", () => {
    const dir = tempDir();
    const notes = writeFile(dir, "notes.txt", "my precious notes\n");
    const cfg = writeFile(dir, "tiny.yaml", tinySweep({ steps: 3 }));
    for (const args of [
      ["sweep", cfg, "--db", notes, "--backend", testBackend()],
      ["runs", "--db", notes],
      ["query", "SELECT 1", "--db", notes],
      ["import", notes, "--db", notes],
    ]) {
      const res = nfx(args, dir);
      assert.notEqual(res.status, 0, args.join(" "));
      assert.match(flat(res.stderr), /notes\.txt: not an SQLite database \(refusing to touch it\)/, args.join(" "));
      oneLineError(res.stderr);
    }
    assert.equal(fs.readFileSync(notes, "utf8"), "my precious notes\n");
    assert.deepEqual(fs.readdirSync(dir).sort(), ["notes.txt", "tiny.yaml"], "no -wal/-shm files, no store");

    const set = nfx(["sweep", cfg, "--db", "x.db", "--set", "agc.lamda=0.02"], dir);
    assert.notEqual(set.status, 0);
    assert.match(flat(set.stderr), /agc\.lamda: unknown key in --set \(did you mean 'agc\.lambda'\?\)/);
    const neg = nfx(["run", "--db", "x.db", "--set", "agc.lambda=-0.1", "--set", "data.name=synthetic"], dir);
    assert.notEqual(neg.status, 0);
    assert.match(flat(neg.stderr), /agc\.lambda: must be > 0 \(got -0\.1\)/);
    const where = nfx(["runs", "--db", "x.db", "--where", "agc.lambda <="], dir);
    assert.notEqual(where.status, 0);
    const badYaml = writeFile(dir, "bad.yaml", "grid:\n  agc.lambda: [0.01\n");
    const yaml = nfx(["sweep", badYaml, "--db", "x.db"], dir);
    assert.match(flat(yaml.stderr), /bad\.yaml:\d+:\d+: malformed YAML/);
    oneLineError(yaml.stderr);
    assert.equal(fs.existsSync(path.join(dir, "x.db")), false, "no store created");
  });
});
