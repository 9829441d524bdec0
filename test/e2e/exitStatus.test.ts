// Exit statuses of the commands that train: a failed run (now, or stored failed and not retried) ends `nfx run` and
// `nfx sweep` with status 1 and a line naming it and --retry-failed; what training needs from the machine (the
// backend's package, a writable cache directory) is checked before anything is written; `nfx run` speaks of one run.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { corruptImageFolder, nativeSkipReason, tempDir, testBackend, writeFile } from "../helpers.js";
import { nfx, peek } from "./sweepHelpers.js";

const common = ["--backend", testBackend(), "--out", "figs"];
const tiny = ["model.name=nf-resnet-micro", "train.batch_size=4", "train.steps=1"];

describe("exit statuses", () => {
  it("a failed run exits 1 from nfx run (now and when stored failed) and from nfx sweep, naming --retry-failed", () => {
    const dir = tempDir();
    const folder = corruptImageFolder(dir);
    const db = path.join(dir, "f.db");
    const sets = ["data.name=imagefolder", `data.path=${folder}`, ...tiny].flatMap((s) => ["--set", s]);
    const first = nfx(["run", ...sets, "--db", db, ...common], dir);
    assert.equal(first.status, 1, first.stderr);
    assert.match(first.stderr, /nfx: error: 1 of 1 run failed: run 1 \(\w{10}\): .*bad\.png.*`nfx run --retry-failed`/);
    assert.match(first.stderr, /^run: to train\n/, "nfx run speaks of its run");
    assert.match(first.stderr, /: 1 step\n/);
    assert.doesNotMatch(first.stderr, /\b1 (runs|workers|steps)\b/);

    const again = nfx(["run", ...sets, "--db", db, "--json", ...common], dir);
    assert.equal(again.status, 1, again.stderr);
    assert.equal((JSON.parse(again.stdout) as { status: string }).status, "failed", "one document: the run");
    assert.match(again.stderr, /--retry-failed/);

    const cfg = writeFile(
      dir,
      "ifs.yaml",
      `name: ifs\nmodel: { name: nf-resnet-micro }\ndata: { name: imagefolder, path: ${folder} }\n` +
        "train: { steps: 1, batch_size: 4 }\ngrid:\n  agc.lambda: [0.01, 0.02]\n",
    );
    const sweep = nfx(["sweep", cfg, "--db", db, "--json", "--jobs", "1", ...common], dir);
    assert.equal(sweep.status, 1, sweep.stderr);
    const doc = JSON.parse(sweep.stdout) as { statuses: Record<string, number>; failed_runs: unknown[] };
    assert.deepEqual(doc.statuses, { failed: 2 });
    assert.equal(doc.failed_runs.length, 2);
    assert.match(sweep.stderr, /nfx: error: ifs: 2 of 2 runs failed: .*`nfx sweep .*ifs\.yaml --retry-failed`/);
  });

  it("an absent backend package or an unwritable cache directory is refused before anything is written", () => {
    const dir = tempDir();
    const db = path.join(dir, "x.db");
    const sets = ["data.name=synthetic", "data.train_size=16", "data.test_size=8", "data.image_size=8", ...tiny];
    const setArgs = sets.flatMap((s) => ["--set", s]);
    // A native package that is absent here: tfjs-node-gpu when `nfx native install` placed tfjs-node.
    const absent = nativeSkipReason() === false ? "tensorflow-gpu" : "tensorflow";
    const tf = nfx(["run", ...setArgs, "--db", db, "--backend", absent], dir);
    assert.equal(tf.status, 2, tf.stderr);
    assert.match(tf.stderr, new RegExp(`^nfx: error: no usable backend for '${absent}' \\(.*not installed\\)`, "m"));
    assert.equal(fs.existsSync(db), false, "no store created, no pending run");

    const blocker = writeFile(dir, "file", "");
    const cache = path.join(blocker, "nfx");
    const noCache = nfx(["run", ...setArgs, "--db", db, ...common], dir, { NFX_CACHE_DIR: cache });
    assert.equal(noCache.status, 2, noCache.stderr);
    assert.match(noCache.stderr, new RegExp(`^nfx: error: cache directory ${cache} .*NFX_CACHE_DIR`, "m"));
    assert.equal(fs.existsSync(db), false);
    assert.deepEqual(peek(db, "SELECT id FROM runs"), []);
  });
});
