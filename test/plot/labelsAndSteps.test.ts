// What a user reads in a figure (issue: fresh-user report, items 2, 4 and 6): labels whole and distinct, curves of
// diverged runs that stop named and marked, and steps counted from 1 as every message counts them.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { renderSvg, type VegaLiteSpec } from "../../src/core/plot/render.js";
import { runLabel } from "../../src/core/plot/sweepPlot.js";
import type { StoredRun } from "../../src/core/store/runStore.js";

describe("labels are whole and distinct", () => {
  it("legend and axis labels that differ only at their end are drawn whole, not cut to the same text", async () => {
    const excl = (last: string) => `classifier_weight,stem_conv,${last}`;
    const values = [
      { x: excl("se_fc1"), y: 1, series: `λ=0.01 · unclipped=${excl("se_fc1")}` },
      { x: excl("se_fc2"), y: 2, series: `λ=0.01 · unclipped=${excl("se_fc2")}` },
      { x: "none", y: 3, series: "no clipping · B=8 · lr=0.1" },
      { x: "none", y: 4, series: "no clipping · B=8 · lr=1e+30" },
    ];
    const spec = {
      data: { values },
      mark: "point",
      encoding: {
        x: { field: "x", type: "nominal" },
        y: { field: "y", type: "quantitative" },
        color: { field: "series", type: "nominal" },
      },
    } as VegaLiteSpec;
    const svg = await renderSvg(spec);
    for (const v of values) {
      assert.ok(svg.includes(`>${v.series}<`), `legend label ${v.series} whole`);
      assert.ok(svg.includes(`>${v.x}<`), `axis label ${v.x} whole`);
    }
    assert.ok(!svg.includes("…"), "nothing cut");
  });

  it("a sweep figure's run labels shorten key names, never values", () => {
    const run = { id: 1 } as StoredRun;
    assert.equal(
      runLabel({ "agc.lambda": 0.01, "agc.exclude": ["classifier_weight", "stem_conv"] }, run),
      "λ=0.01 · unclipped=classifier_weight,stem_conv",
    );
    assert.equal(runLabel({ "agc.lambda": null, "optim.lr": 1e30 }, run), "no clipping · lr=1e+30");
  });
});
