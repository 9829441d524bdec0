// Issue 26's first must-show through the CLI: `nfx run --set optim.name=lars|adam|adamw` with unit-wise AGC trains
// nf-resnet-micro (synthetic images here; Fashion-MNIST measured in docs/presets.md) and stores the run under the
// optimizer's own identity; a bad optimizer is one line naming the key, exit 2, nothing stored.
import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import { nfx, peek } from "../e2e/sweepHelpers.js";
import { tempDir, testBackend } from "../helpers.js";

const COMMON = [
  "--backend",
  testBackend(),
  "--set",
  "data.name=synthetic",
  "--set",
  "data.train_size=64",
  "--set",
  "data.test_size=32",
  "--set",
  "data.image_size=8",
  "--set",
  "train.steps=4",
  "--set",
  "train.batch_size=16",
  "--set",
  "agc.granularity=unit",
  "--json",
];

describe("nfx run with each optimizer (CLI)", () => {
  it("lars, adam and adamw train with unit-wise AGC; each is its own run", () => {
    const dir = tempDir();
    const db = path.join(dir, "nfx.db");
    const hashes = new Set<string>();
    for (const [name, lr] of [
      ["lars", "2"],
      ["adam", "0.01"],
      ["adamw", "0.01"],
    ]) {
      const r = nfx(["run", "--db", db, "--set", `optim.name=${name}`, "--set", `optim.lr=${lr}`, ...COMMON], dir);
      assert.equal(r.status, 0, r.stderr);
      const out = JSON.parse(r.stdout) as { status: string; config_hash: string; config: { optim: { name: string } } };
      assert.equal(out.status, "completed", name);
      assert.equal(out.config.optim.name, name);
      hashes.add(out.config_hash);
    }
    assert.equal(hashes.size, 3);
    const losses = peek<{ n: number }>(db, "SELECT count(*) AS n FROM metrics WHERE name = 'loss'")[0]?.n;
    assert.equal(losses, 12, "4 steps of each");
  });

  it("an unknown optimizer is refused in one line, exit 2, nothing stored", () => {
    const dir = tempDir();
    const r = nfx(["run", "--db", path.join(dir, "nfx.db"), "--set", "optim.name=lamb", ...COMMON.slice(0, -1)], dir);
    assert.equal(r.status, 2);
    assert.match(r.stderr.trim(), /^.*optim\.name: must be one of sgd, lars, adam, adamw.*\(got "lamb"\)$/);
    assert.equal(r.stderr.trim().split("\n").length, 1);
  });
});
