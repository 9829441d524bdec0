// Every run of every preset keeps its identity: the config hashes of configs/*.yaml, in expansion order, equal the
// ones recorded in presetHashes.json (rewritten for training revision 4, issue 25: the official warmup, schedule
// length and EMA move every preset run; before it, written at b0c563a). A change that moves a rule must not move a
// stored run's hash; a change that means to (a new training revision) updates the file and says why in its commit.
// Presets and points added since (new figures' presets, new arms of a figure: issue 26's LARS and optimizers) are
// pinned the same way in presetHashesAdded.json, so the recorded file is never edited to add runs: a preset's runs
// are its recorded ones, in their order, with the added ones among them.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { loadSweepFile } from "../../src/core/sweep/expand.js";

const recorded = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, "presetHashes.json"), "utf8")) as Record<
  string,
  string[]
>;

const added = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, "presetHashesAdded.json"), "utf8")) as Record<
  string,
  string[]
>;

test("the recorded presets are exactly the files in configs/", () => {
  const files = fs.readdirSync("configs").filter((f) => f.endsWith(".yaml"));
  assert.deepEqual([...new Set([...Object.keys(recorded), ...Object.keys(added)])].sort(), files.sort());
});

for (const file of new Set([...Object.keys(recorded), ...Object.keys(added)])) {
  const old = recorded[file] ?? [];
  const extra = added[file] ?? [];
  test(`configs/${file}: ${old.length} runs as recorded, ${extra.length} added, every config hash pinned`, () => {
    const hashes = loadSweepFile(path.join("configs", file)).runs.map((r) => r.hash);
    assert.deepEqual(
      hashes.filter((h) => old.includes(h)),
      old,
    );
    assert.deepEqual(
      hashes.filter((h) => !old.includes(h)),
      extra,
    );
  });
}

test("fig2b's standard preset holds every run of its quick preset (a store with the quick runs trains the rest)", () => {
  const standard = new Set(loadSweepFile(path.join("configs", "fig2b.standard.yaml")).runs.map((r) => r.hash));
  const quick = loadSweepFile(path.join("configs", "fig2b.quick.yaml")).runs.map((r) => r.hash);
  assert.equal(quick.length, 26);
  assert.deepEqual(
    quick.filter((h) => !standard.has(h)),
    [],
  );
  assert.equal(standard.size, 180);
});
