// The `standard` preset is fig2b's alone: `nfx figure fig2b --preset standard` finds it, another figure or the report
// (which judges every figure) refuses it naming where it exists.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, test } from "node:test";
import { presetFile, presetsOf } from "../../src/experiments/figures/presets.js";
import { parseReportPreset } from "../../src/experiments/report/reportPreset.js";
import { bin, root } from "../e2e/sweepHelpers.js";

describe("the standard preset", () => {
  test("fig2b has quick, standard and full; fig2a has no standard and says which it has", () => {
    assert.deepEqual(presetsOf("fig2b"), ["quick", "standard", "full"]);
    assert.match(presetFile("fig2b", "standard"), /configs\/fig2b\.standard\.yaml$/);
    assert.throws(() => presetFile("fig2a", "standard"), /fig2a: no standard preset .* fig2a has quick, full\)$/);
  });

  test("the report takes only a preset every figure has", () => {
    assert.equal(parseReportPreset("quick"), "quick");
    assert.equal(parseReportPreset("full"), "full");
    assert.throws(
      () => parseReportPreset("standard"),
      /^Error: --preset standard: the report judges every figure, and fig2a, .* have no standard preset \(only fig2b: nfx figure fig2b --preset standard; nfx report --sweep fig2b\.standard judges its runs\)$/,
    );
  });

  test("nfx report --preset standard: one line, exit 2, before any store is opened", () => {
    const r = spawnSync(process.execPath, [bin, "report", "--preset", "standard", "--db", "/nonexistent/x.db"], {
      cwd: root,
      encoding: "utf8",
    });
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    assert.match(r.stderr, /only fig2b: nfx figure fig2b --preset standard/);
  });
});
