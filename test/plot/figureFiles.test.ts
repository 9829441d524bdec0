// Where nfx writes (issue 15 items 12 and 13): one figure file per run, never overwritten under a stored record;
// figures beside the store (--db), the dataset and calibration cache per user, nothing in the working directory.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import Database from "better-sqlite3";
import { resolveCacheDir, userCacheDir } from "../../src/core/base/cacheDir.js";
import { figuresDirFor } from "../../src/core/plot/outputDir.js";
import { RunStore } from "../../src/core/store/runStore.js";
import { sweepFigureName } from "../../src/experiments/sweepFigureName.js";
import { nfx, tinySweep } from "../e2e/sweepHelpers.js";
import { tempDir, writeFile } from "../helpers.js";
import { addQuickRuns, QUICKSTART } from "./quickstartStore.js";

const TINY = [
  "--backend",
  "wasm",
  "--quiet",
  "--set",
  "data.name=synthetic",
  "--set",
  "data.train_size=64",
  "--set",
  "data.test_size=32",
  "--set",
  "data.image_size=8",
  "--set",
  "train.steps=2",
  "--set",
  "train.batch_size=8",
];

const sha256 = (file: string) => createHash("sha256").update(fs.readFileSync(file)).digest("hex");

describe("per-user cache, figures beside the store", () => {
  it("the cache is $NFX_CACHE_DIR, else the platform's user cache dir, never the working directory", () => {
    assert.equal(userCacheDir({ XDG_CACHE_HOME: "/x/cache" }, "linux", "/home/u"), "/x/cache/nfx");
    assert.equal(userCacheDir({}, "linux", "/home/u"), "/home/u/.cache/nfx");
    assert.equal(userCacheDir({ XDG_CACHE_HOME: "rel" }, "linux", "/home/u"), "/home/u/.cache/nfx");
    assert.equal(userCacheDir({}, "darwin", "/Users/u"), "/Users/u/Library/Caches/nfx");
    const saved = process.env.NFX_CACHE_DIR;
    try {
      process.env.NFX_CACHE_DIR = "/tmp/nfx-own-cache";
      assert.equal(resolveCacheDir(), "/tmp/nfx-own-cache");
      delete process.env.NFX_CACHE_DIR;
      assert.equal(resolveCacheDir(), userCacheDir());
      assert.ok(!resolveCacheDir().startsWith(process.cwd()), "not under the working directory");
    } finally {
      if (saved === undefined) delete process.env.NFX_CACHE_DIR;
      else process.env.NFX_CACHE_DIR = saved;
    }
    assert.equal(figuresDirFor("/data/results/nfx.db"), "/data/results/figures");
    assert.equal(figuresDirFor("results/nfx.db"), path.join("results", "figures"));
    assert.equal(figuresDirFor("/data/nfx.db", "out"), "out");
  });

  it("two unnamed `nfx run`s from another directory: two figure files beside the store, each as recorded", () => {
    const cwd = tempDir();
    const storeDir = tempDir();
    const cache = tempDir();
    const db = path.join(storeDir, "nfx.db");
    for (const lambda of ["0.01", "null"]) {
      const res = nfx(["run", "--db", db, ...TINY, "--set", `agc.lambda=${lambda}`], cwd, { XDG_CACHE_HOME: cache });
      assert.equal(res.status, 0, res.stderr);
    }
    assert.deepEqual(fs.readdirSync(cwd), [], "nothing written in the working directory");
    assert.ok(fs.existsSync(path.join(cache, "nfx", "microbatch.json")), "calibration in the per-user cache");
    const conn = new Database(db, { readonly: true });
    const rows = conn
      .prepare("SELECT run_id, path, sha256 FROM artifacts WHERE kind = 'sweep-figure' ORDER BY run_id")
      .all() as {
      run_id: number;
      path: string;
      sha256: string;
    }[];
    conn.close();
    assert.equal(rows.length, 2);
    assert.notEqual(rows[0]?.path, rows[1]?.path, "one file per run");
    for (const r of rows) {
      assert.equal(path.dirname(r.path), path.join(storeDir, "figures"));
      assert.equal(sha256(r.path), r.sha256, `${r.path} still shows what was recorded`);
    }
  });

  it("`nfx plot --db` from another directory writes beside the store", () => {
    const cwd = tempDir();
    const storeDir = tempDir();
    const db = path.join(storeDir, "nfx.db");
    addQuickRuns(db, QUICKSTART);
    const res = nfx(["plot", "--db", db, "--x", "agc.lambda", "--color", "train.batch_size", "--log-x", "--json"], cwd);
    assert.equal(res.status, 0, res.stderr);
    const files = JSON.parse(res.stdout).files;
    assert.equal(files.svg, path.join(storeDir, "figures", "plot.svg"));
    // The probe (issue 14 item 9): 6 runs counted, the 2 with λ = none drawn as dashed rules.
    const spec = JSON.parse(fs.readFileSync(files.spec, "utf8"));
    assert.equal(spec.title.subtitle[0], "6 runs; one run per point");
    assert.equal(spec.data.values.filter((v: { off_axis?: boolean }) => v.off_axis).length, 2);
    assert.deepEqual(fs.readdirSync(cwd), []);
  });

  it("a sweep's figure keeps its name unless that file is recorded for a run it no longer draws", () => {
    const dir = tempDir();
    const db = path.join(dir, "nfx.db");
    const ids = addQuickRuns(db, QUICKSTART);
    const store = RunStore.open(db);
    try {
      const runs = ids.map((id) => store.getRun(id)).filter((r) => r !== undefined);
      const figures = path.join(dir, "figures");
      assert.equal(sweepFigureName(store, figures, "quickstart", runs, false), "quickstart");
      for (const r of runs) store.addArtifact(r.id, "sweep-figure", path.resolve(figures, "quickstart.svg"));
      assert.equal(sweepFigureName(store, figures, "quickstart", runs, false), "quickstart", "same runs: same file");
      const subset = sweepFigureName(store, figures, "quickstart", runs.slice(0, 2), false);
      assert.match(subset, /^quickstart-[0-9a-f]{8}$/, "fewer runs: a file of its own");
      assert.equal(
        sweepFigureName(store, figures, "run", runs.slice(0, 1), true),
        `run-${runs[0]?.config_hash.slice(0, 10)}`,
      );
    } finally {
      store.close();
    }
  });

  it("one sweep into two stores in one directory: two figure files, each beside its store, each still what it recorded", () => {
    const dir = tempDir();
    const cfg = writeFile(dir, "s1.yaml", tinySweep({ steps: 2, seeds: 1 }));
    const recorded = (db: string) => {
      const conn = new Database(path.join(dir, db), { readonly: true });
      try {
        return conn.prepare("SELECT DISTINCT path, sha256 FROM artifacts WHERE kind = 'sweep-figure'").all() as {
          path: string;
          sha256: string;
        }[];
      } finally {
        conn.close();
      }
    };
    for (const db of ["a.db", "ci.db", "a.db"]) {
      const res = nfx(["sweep", cfg, "--db", db, "--backend", "wasm", "--quiet"], dir);
      assert.equal(res.status, 0, res.stderr);
    }
    const a = recorded("a.db");
    const ci = recorded("ci.db");
    assert.equal(a.length, 1, "a.db's second sweep rewrote its own file, under the same name");
    assert.equal(ci.length, 1);
    // Each store's figures beside it under its own name (a-figures/, ci-figures/): neither takes the other's file.
    assert.equal(a[0]?.path, path.join(dir, "a-figures", "tiny.svg"));
    assert.equal(ci[0]?.path, path.join(dir, "ci-figures", "tiny.svg"));
    for (const r of [...a, ...ci]) assert.equal(sha256(r.path), r.sha256, `${r.path} shows what its store recorded`);
  });

  it("a sweep's figure never overwrites a file its store did not write there", () => {
    const dir = tempDir();
    const db = path.join(dir, "nfx.db");
    const ids = addQuickRuns(db, QUICKSTART);
    const store = RunStore.open(db);
    try {
      const runs = ids.map((id) => store.getRun(id)).filter((r) => r !== undefined);
      const figures = path.join(dir, "figures");
      fs.mkdirSync(figures);
      const file = path.join(figures, "quickstart.svg");
      fs.writeFileSync(file, "<svg>another store's figure</svg>");
      const other = sweepFigureName(store, figures, "quickstart", runs, false);
      assert.match(other, /^quickstart-[0-9a-f]{8}$/, "not recorded here: a name of its own");
      for (const r of runs) store.addArtifact(r.id, "sweep-figure", file);
      assert.equal(sweepFigureName(store, figures, "quickstart", runs, false), "quickstart", "recorded, unchanged");
      fs.writeFileSync(file, "<svg>overwritten by someone else</svg>");
      assert.equal(sweepFigureName(store, figures, "quickstart", runs, false), other, "changed since: not ours now");
      fs.writeFileSync(path.join(figures, `${other}.svg`), "<svg>taken too</svg>");
      assert.equal(sweepFigureName(store, figures, "quickstart", runs, false), `${other}-2`);
    } finally {
      store.close();
    }
  });
});
