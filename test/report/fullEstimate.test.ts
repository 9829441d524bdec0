// A full preset's `--run-missing` shows its cost before its first run trains (issue 24, cost before running): the
// estimate comes first, counts every missing run, and is in the result; a quick preset trains without one. Tiny
// synthetic presets, copied as *.full.yaml, stand in for configs/*.full.yaml (which take hours).
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import type { SweepCost } from "../../src/experiments/costEstimate.js";
import { runReport } from "../../src/experiments/report/reportSweep.js";
import { tempDir } from "../helpers.js";
import { tinyPresets } from "./tinyPresets.js";

/** The tiny presets as `full` ones, in a directory of their own. */
function tinyFullPresets(): string {
  const quick = tinyPresets();
  const dir = tempDir();
  for (const f of fs.readdirSync(quick)) {
    fs.copyFileSync(path.join(quick, f), path.join(dir, f.replace(".quick.yaml", ".full.yaml")));
  }
  return dir;
}

describe("the full preset's estimate before it starts", () => {
  it("report --run-missing --preset full: the estimate of all 14 runs, told before the first run starts", async () => {
    const dir = tempDir();
    const told: { cost: SweepCost; startedBefore: number }[] = [];
    let started = 0;
    const result = await runReport({
      preset: "full",
      db: path.join(dir, "nfx.db"),
      out: null,
      presetsDir: tinyFullPresets(),
      backend: "wasm",
      jobs: 1,
      events: { runStart: () => started++ },
      onEstimate: (cost) => told.push({ cost, startedBefore: started }),
    });
    assert.equal(told.length, 1);
    assert.equal(told[0]?.startedBefore, 0, "told before any run started");
    assert.equal(told[0]?.cost.runs.length, 14);
    assert.equal(told[0]?.cost.steps, 14 * 2);
    assert.ok((told[0]?.cost.seconds ?? 0) > 0);
    assert.equal(result.estimate, told[0]?.cost, "and kept in the result (--json)");
    assert.equal(result.ran, 14);
  });
});
