// Issue 16 item 1/6: a collapsed run is finished (not re-run), drawn with its own mark, counted at its measured
// top-1 (a failure to train) in figures and verdicts, and listed by its status.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { outcomeTop1 } from "../../src/core/plot/runRows.js";
import { DONE_STATUSES, RunStore } from "../../src/core/store/runStore.js";
import { runFigure } from "../../src/experiments/figures/runFigure.js";
import { planSweep } from "../../src/experiments/sweepFile.js";
import { tempDir } from "../helpers.js";
import { assertValidVegaLite } from "../plot/schema.js";
import { addConstructedRuns, presetPath, SUPPORTS } from "./constructedStore.js";

describe("collapsed runs in figures (issue 16)", () => {
  it("fig2b draws a collapsed seed with its own mark, at its measured top-1, and a sweep does not re-run it", async () => {
    const dir = tempDir();
    const db = path.join(dir, "nfx.db");
    addConstructedRuns(db, "fig2b", SUPPORTS.fig2b as never);
    const store = RunStore.open(db);
    const runs = store.listRuns().filter((r) => r.status === "completed");
    const victim = runs[0];
    assert.ok(victim);
    const summary = { test_top1: 0.11, final_loss: Math.log(10), steps: 4, images_per_s: 100, collapsed_step: 3 };
    store.db
      .prepare("UPDATE runs SET status = 'collapsed', summary_json = ?, test_top1 = 0.11, error = ? WHERE id = ?")
      .run(JSON.stringify(summary), "loss flat within ±15% of ln(10)", victim.id);
    const stored = store.getRun(victim.id);
    store.close();
    assert.ok(stored && DONE_STATUSES.has(stored.status));
    assert.equal(outcomeTop1(stored), 0.11, "counted at its measured top-1");

    const planned = planSweep(presetPath("fig2b"), [], db).runs;
    assert.equal(
      planned.filter((r) => r.stored_status === "collapsed").length,
      1,
      "the dry run shows it collapsed (done, not to run)",
    );

    const out = path.join(dir, "figs");
    const result = await runFigure("fig2b", {
      preset: "quick",
      runMissing: false,
      db,
      out,
      backend: "cpu",
      formats: ["json", "svg"],
    });
    assert.equal(result.missing, 0, "a collapsed run is not missing");
    const spec = JSON.parse(fs.readFileSync(result.files.spec, "utf8"));
    assertValidVegaLite(spec, "fig2b");
    const text = JSON.stringify(spec);
    assert.match(text, /"shape":"triangle-down"/);
    assert.match(text, /▼: some seeds collapsed/);
    const points = spec.data.values as { n_collapsed: number; mean: number }[];
    assert.equal(points.filter((p) => p.n_collapsed === 1).length, 1);
    assert.match(fs.readFileSync(result.files.svg as string, "utf8"), /some seeds collapsed/);
  });
});
