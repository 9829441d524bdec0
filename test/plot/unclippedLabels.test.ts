// Runs that do not clip carry no exclusion label (issue 24): `agc.exclude` changes nothing when clipping is off
// (config/inert.ts), so `nfx plot` legends, `nfx runs --group-by` and the sweep figure never write
// `unclipped=classifier_weight` beside "no clipping", as if a layer were excluded from a clipping that does not happen.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { plotSpec } from "../../src/core/plot/plotSelection.js";
import { rowLabel, runRow, seriesLabel } from "../../src/core/plot/runRows.js";
import { groupRuns, INERT_CELL } from "../../src/core/store/groupRuns.js";
import { nfx } from "../e2e/sweepHelpers.js";
import { tempDir } from "../helpers.js";
import { sceneOf } from "./sceneText.js";
import { FOUR_AXIS_SWEEP, sweepStore } from "./sweepStore.js";

const s = sweepStore(FOUR_AXIS_SWEEP);
const unclipped = s.stored.filter((r) => r.config.agc.lambda === null);
const clipped = s.stored.filter((r) => r.config.agc.lambda !== null);

describe("runs that do not clip carry no exclusion label", () => {
  after(() => s.store.close());

  it("the run-label functions leave an inert key out, and say no clipping instead", () => {
    assert.equal(unclipped.length, 4);
    for (const r of unclipped) {
      assert.equal(rowLabel(runRow(r), ["agc.exclude"]), "no clipping");
      assert.equal(seriesLabel(r, ["agc.exclude", "train.batch_size"]), `B=${r.config.train.batch_size} · no clipping`);
      assert.equal(rowLabel(runRow(r), ["agc.lambda", "agc.exclude"]), "λ=none");
    }
    const c = clipped[0];
    assert.ok(c);
    assert.equal(rowLabel(runRow(c), ["agc.exclude"]), `unclipped=${c.config.agc.exclude.join(",")}`);
  });

  it("`nfx plot` legends: the unclipped series reads no exclusion, the clipped ones keep theirs", async () => {
    const spec = plotSpec(s.store, { x: "train.batch_size", y: ["top1"], color: "agc.granularity" });
    const legend = (await sceneOf(spec)).texts.filter((t) => t.role === "legend-label").map((t) => t.text);
    const none = legend.filter((l) => /none/.test(l));
    assert.ok(none.length > 0, legend.join(" | "));
    for (const l of none) assert.doesNotMatch(l, /unclipped=/, l);
    assert.ok(
      legend.some((l) => /clip=unit .*unclipped=classifier_weight,stem_conv/.test(l)),
      legend.join(" | "),
    );
    const steps = plotSpec(s.store, { x: "step", y: ["loss"], color: "agc.lambda" });
    const series = (await sceneOf(steps)).texts.filter((t) => t.role === "legend-label").map((t) => t.text);
    for (const l of series.filter((x) => /λ=none/.test(x))) assert.doesNotMatch(l, /unclipped=/, l);
  });

  it("--group-by: the unclipped groups read n/a for agc.exclude, with the reason", () => {
    const groups = groupRuns(s.stored, ["agc.granularity", "agc.exclude"], ["test_top1"]);
    const none = groups.filter((g) => g.key["agc.granularity"] === "none");
    assert.deepEqual(
      none.map((g) => [g.key["agc.exclude"], g.key["train.batch_size"], g.runs, g.inert]),
      [
        [INERT_CELL, 64, 2, { "agc.exclude": "clipping is off" }],
        [INERT_CELL, 256, 2, { "agc.exclude": "clipping is off" }],
      ],
    );
    const unit = groups.filter((g) => g.key["agc.granularity"] === "unit");
    assert.ok(unit.every((g) => Array.isArray(g.key["agc.exclude"]) && g.inert === undefined));
    const res = nfx(["runs", "--db", s.db, "--group-by", "agc.granularity,agc.exclude"], tempDir());
    assert.equal(res.status, 0, res.stderr);
    assert.match(res.stdout, /^n\/a: agc\.exclude changes nothing in those runs \(clipping is off\)$/m);
    const rows = res.stdout.split("\n").filter((l) => /^none\s/.test(l));
    assert.equal(rows.length, 2, res.stdout);
    for (const l of rows) assert.match(l, /^none\s+n\/a\s/, l);
    assert.doesNotMatch(rows.join("\n"), /classifier_weight/);
  });
});
