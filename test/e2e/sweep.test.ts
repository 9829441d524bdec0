// End to end through the real CLI: a tiny sweep on synthetic data lands in SQLite and draws a valid Vega-Lite plot.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { Ajv } from "ajv";
import type { VegaLiteSpec } from "../../src/core/plot/render.js";
import { tempDir, testBackend, writeFile } from "../helpers.js";
import { sceneOf } from "../plot/sceneText.js";

const root = path.resolve(import.meta.dirname, "../..");
const bin = path.join(root, "bin/run.js");

function nfx(args: string[], cwd: string) {
  return spawnSync(process.execPath, [bin, ...args], { cwd, encoding: "utf8", env: { ...process.env, NFX_DB: "" } });
}

const TINY = `name: tiny
model: { name: nf-resnet-micro }
data: { name: synthetic, train_size: 256, test_size: 128, image_size: 8 }
train: { steps: 6 }
optim: { lr: 0.2, warmup_epochs: 0 }
grid:
  agc.lambda: [0.01, null]
  train.batch_size: [16, 32]
`;

describe("nfx sweep, end to end", () => {
  it("runs a tiny synthetic sweep into SQLite and draws one loss line per run", async () => {
    const dir = tempDir();
    const cfg = writeFile(dir, "tiny.yaml", TINY);
    const dry = nfx(["sweep", cfg, "--dry-run", "--json", "--db", "r/nfx.db"], dir);
    assert.equal(dry.status, 0, dry.stderr);
    const planned = (
      JSON.parse(dry.stdout) as { runs: { config_hash: string; config: { agc: { lambda: number | null } } }[] }
    ).runs;
    assert.equal(planned.length, 4);
    assert.equal(fs.existsSync(path.join(dir, "r/nfx.db")), false, "a dry run writes nothing");

    const res = nfx(["sweep", cfg, "--db", "r/nfx.db", "--out", "figs", "--backend", testBackend()], dir);
    assert.equal(res.status, 0, res.stderr);
    assert.match(res.stderr, /sweep: 4 runs, 0 already done, 4 to run/);

    const runs = JSON.parse(nfx(["runs", "--json", "--db", "r/nfx.db"], dir).stdout) as {
      id: number;
      status: string;
      config_hash: string;
      config: { agc: { lambda: number | null } };
      summary: { test_top1: number };
    }[];
    assert.equal(runs.length, 4);
    assert.deepEqual(new Set(runs.map((r) => r.config_hash)), new Set(planned.map((p) => p.config_hash)));
    for (const r of runs) {
      assert.equal(r.status, "completed");
      assert.ok(r.summary.test_top1 >= 0 && r.summary.test_top1 <= 1);
    }
    // Per-step metrics, readable with the sqlite3 shell when it is installed.
    if (fs.existsSync("/usr/bin/sqlite3")) {
      const n = execFileSync("sqlite3", [
        path.join(dir, "r/nfx.db"),
        "SELECT count(*) FROM metrics WHERE name = 'loss'",
      ]);
      assert.equal(n.toString().trim(), String(4 * 6));
    }

    // The spec validates against the official Vega-Lite schema; the figure has one loss line per run.
    const spec = JSON.parse(fs.readFileSync(path.join(dir, "figs/tiny.json"), "utf8")) as VegaLiteSpec & {
      title: { subtitle: string[] };
    };
    const schema = JSON.parse(
      fs.readFileSync(path.join(root, "node_modules/vega-lite/build/vega-lite-schema.json"), "utf8"),
    );
    const ajv = new Ajv({ strict: false, allErrors: true });
    const valid = ajv.validate(schema, spec);
    assert.ok(valid, JSON.stringify(ajv.errors?.slice(0, 3)));
    const svg = fs.readFileSync(path.join(dir, "figs/tiny.svg"), "utf8");
    assert.match(svg, /<path [^>]*d="M[^"]+L/, "lines of straight segments");
    // Issue 24: the figure is laid out from the sweep's axes (x = batch size, λ = none the dashed baseline): each
    // run is one point (one seed each) with its own loss line, and the points' n count the 4 runs.
    const scene = await sceneOf(spec);
    const loss = new Set(scene.data.filter((d) => d.marktype === "line" && "loss" in d.datum).map((d) => d.datum.cond));
    assert.equal(loss.size, 4);
    const n = new Map(scene.data.filter((d) => d.datum.kind === "point").map((d) => [d.datum.cond, d.datum.n]));
    assert.equal(
      [...n.values()].reduce((a: number, b) => a + (b as number), 0),
      4,
    );
    assert.match(spec.title.subtitle[0], /^4 of 4 runs drawn: 2 in 2 points/);

    // Running it again runs nothing new.
    const again = nfx(["sweep", cfg, "--db", "r/nfx.db", "--out", "figs", "--backend", testBackend()], dir);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stderr, /4 already done, 0 to run/);
  });

  it("refuses a missing or malformed config with the file named, and writes no row", () => {
    const dir = tempDir();
    const missing = nfx(["sweep", "nope.yaml", "--db", "r/nfx.db"], dir);
    assert.notEqual(missing.status, 0);
    assert.match(missing.stderr, /nope\.yaml: cannot read config: no such file/);
    assert.doesNotMatch(missing.stderr, /\n\s+at /, "no stack trace");

    const bad = writeFile(dir, "bad.yaml", "model:\n  name: nf-resnet-micro\nagc:\n  lambda: -0.5\n");
    const res = nfx(["sweep", bad, "--db", "r/nfx.db"], dir);
    assert.notEqual(res.status, 0);
    assert.match(res.stderr, /bad\.yaml:4:3: agc\.lambda: must be > 0 \(got -0\.5\)/);

    const malformed = writeFile(dir, "malformed.yaml", "grid:\n  agc.lambda: [0.01\n");
    const res2 = nfx(["sweep", malformed, "--db", "r/nfx.db"], dir);
    assert.notEqual(res2.status, 0);
    assert.match(res2.stderr, /malformed\.yaml:\d+:\d+: malformed YAML/);
    assert.equal(fs.existsSync(path.join(dir, "r/nfx.db")), false, "no store created, no row written");
  });
});
