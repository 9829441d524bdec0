// Every run of every preset keeps its identity: the config hashes of configs/*.yaml, in expansion order, equal the
// ones recorded in presetHashes.json (rewritten for training revision 4, issue 25: the official warmup, schedule
// length and EMA move every preset run; before it, written at b0c563a). A change that moves a rule must not move a
// stored run's hash; a change that means to (a new training revision) updates the file and says why in its commit.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { loadSweepFile } from "../../src/core/sweep/expand.js";

const recorded = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, "presetHashes.json"), "utf8")) as Record<
  string,
  string[]
>;

test("the recorded presets are exactly the files in configs/", () => {
  const files = fs.readdirSync("configs").filter((f) => f.endsWith(".yaml"));
  assert.deepEqual(Object.keys(recorded).sort(), files.sort());
});

for (const [file, hashes] of Object.entries(recorded)) {
  test(`configs/${file}: ${hashes.length} runs, every config hash as recorded`, () => {
    const sweep = loadSweepFile(path.join("configs", file));
    assert.deepEqual(
      sweep.runs.map((r) => r.hash),
      hashes,
    );
  });
}
