// The warning for sweep points that are another point's run (issue 27 item 15): one line for the whole sweep,
// naming runs by their config hash (as `nfx runs` and `nfx runs show` do), silent with --quiet and --json.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { collapsedWarnings, expandSweepPlan } from "../../src/core/sweep/expand.js";
import { parseSweep } from "../../src/core/sweep/sweepSpec.js";
import { tempDir, writeFile } from "../helpers.js";
import { nfx, peek, root } from "./sweepHelpers.js";

// λ = none under three granularities × three batch sizes × two seeds: 12 points are the 6 runs without clipping.
const MANY = `name: coll
model: { name: nf-resnet-micro }
data: { name: synthetic, train_size: 64, test_size: 32, image_size: 8 }
train: { steps: 1 }
grid:
  train.batch_size: [8, 16, 32]
  agc.granularity: [unit, layer, global]
  agc.lambda: [null, 0.01, 0.04, 0.16]
seeds: 2
`;

// nfx's own warnings (TensorFlow's native runtime logs "WARNING: …" lines of its own on stderr).
const warningLines = (stderr: string) => stderr.split("\n").filter((l) => l.startsWith("nfx: warning"));

describe("the collapse warning", () => {
  it("is one line naming the runs' hashes, and --dry-run --json lists each point", () => {
    const dir = tempDir();
    const file = writeFile(dir, "coll.yaml", MANY);
    const db = `${dir}/nfx.db`;
    const r = nfx(["sweep", file, "--dry-run", "--db", db], root);
    assert.equal(r.status, 0, r.stderr);
    const lines = warningLines(r.stderr);
    assert.equal(lines.length, 1, r.stderr);
    const line = lines[0] as string;
    assert.match(
      line,
      /^nfx: warning: 12 points are 6 runs \(([0-9a-f]{10}, ){2}[0-9a-f]{10} and 3 more\): agc\.granularity does not change the run because agc\.lambda is null; --dry-run --json lists each point$/,
    );
    assert.doesNotMatch(line, /#\d/, "no 0-based row number that reads as a store id");
    const json = JSON.parse(nfx(["sweep", file, "--dry-run", "--json", "--db", db], root).stdout) as {
      runs: { config_hash: string; same_run_points: unknown[] }[];
    };
    const into = json.runs.filter((x) => x.same_run_points.length > 0);
    assert.equal(into.length, 6);
    assert.equal(
      into.reduce((n, x) => n + x.same_run_points.length, 0),
      12,
    );
    for (const hash of line.match(/[0-9a-f]{10}/g) ?? []) {
      assert.ok(
        into.some((x) => x.config_hash.startsWith(hash)),
        `${hash} is a run that points collapsed into`,
      );
    }
    const quiet = nfx(["sweep", file, "--dry-run", "--quiet", "--db", db], root);
    assert.equal(quiet.status, 0, quiet.stderr);
    assert.deepEqual(warningLines(quiet.stderr), []);
  });

  it("names the store's runs consistently: the hash in the warning is the stored run's hash; --quiet silences it", () => {
    const dir = tempDir();
    const file = writeFile(
      dir,
      "small.yaml",
      `name: small
model: { name: nf-resnet-micro }
data: { name: synthetic, train_size: 32, test_size: 16, image_size: 8 }
train: { steps: 1, batch_size: 8 }
grid:
  agc.granularity: [unit, layer]
  agc.lambda: [null, 0.01]
`,
    );
    const db = `${dir}/nfx.db`;
    const quiet = nfx(["sweep", file, "--db", db, "--quiet", "--backend", "wasm"], root);
    assert.equal(quiet.status, 0, quiet.stderr);
    assert.deepEqual(warningLines(quiet.stderr), []);
    const loud = nfx(["sweep", file, "--db", db, "--backend", "wasm"], root);
    assert.equal(loud.status, 0, loud.stderr);
    const lines = warningLines(loud.stderr);
    assert.equal(lines.length, 1, loud.stderr);
    const hash = /is run ([0-9a-f]{10}) \(agc\.granularity=none agc\.lambda=none\)/.exec(lines[0] as string)?.[1];
    assert.ok(hash, lines[0]);
    const stored = peek<{ id: number; config_hash: string; agc_lambda: number | null }>(
      db,
      "SELECT id, config_hash, agc_lambda FROM runs WHERE config_hash LIKE ?",
      `${hash}%`,
    );
    assert.equal(stored.length, 1);
    assert.equal(stored[0]?.agc_lambda, null);
  });

  it("gives one line for points collapsed for different reasons, each reason once", () => {
    const spec = parseSweep(
      {
        grid: {
          "agc.lambda": [0.01, null],
          "agc.exclude": [[], ["stem_conv"]],
          "agc.granularity": ["unit", "layer"],
        },
      },
      "t",
    );
    const e = expandSweepPlan(spec);
    const lines = collapsedWarnings(e);
    assert.equal(lines.length, 1);
    assert.equal(e.collapsed.length, 3);
    assert.match(lines[0] as string, /^3 points are run [0-9a-f]{10}: /);
    assert.equal((lines[0] as string).match(/agc\.exclude does not change the run/g)?.length, 1);
    assert.equal((lines[0] as string).match(/agc\.granularity does not change the run/g)?.length, 1);
    assert.deepEqual(collapsedWarnings(expandSweepPlan(parseSweep({ grid: { seed: [1, 2] } }, "t"))), []);
  });
});
