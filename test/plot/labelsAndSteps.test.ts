// What a user reads in a figure (issue: fresh-user report, items 2, 4 and 6): labels whole and distinct, curves of
// diverged runs that stop named and marked, and steps counted from 1 as every message counts them.
import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import { resolveConfig } from "../../src/core/config/resolve.js";
import { plotSpec } from "../../src/core/plot/plotSelection.js";
import { renderSvg, type VegaLiteSpec } from "../../src/core/plot/render.js";
import { runLabel, sweepComparisonSpec } from "../../src/core/plot/sweepPlot.js";
import { RunStore, type StoredRun } from "../../src/core/store/runStore.js";
import { tempDir } from "../helpers.js";
import { addQuickRuns } from "./quickstartStore.js";
import { assertValidVegaLite } from "./schema.js";

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
    const run = (lambda: number | null) => ({ id: 1, config: resolveConfig({ agc: { lambda } }) }) as StoredRun;
    assert.equal(
      runLabel({ "agc.lambda": 0.01, "agc.exclude": ["classifier_weight", "stem_conv"] }, run(0.01)),
      "λ=0.01 · unclipped=classifier_weight,stem_conv",
    );
    assert.equal(runLabel({ "agc.lambda": null, "optim.lr": 1e30 }, run(null)), "no clipping · lr=1e+30");
    // Issue 24: a run that does not clip excludes nothing from a clipping that does not happen.
    assert.equal(
      runLabel({ "agc.lambda": null, "agc.exclude": ["classifier_weight"], "train.batch_size": 64 }, run(null)),
      "no clipping · B=64",
    );
  });
});

describe("diverged runs' curves, and steps counted from 1", () => {
  // Two runs of 2 steps: λ=0.01 completes; λ=none's loss is NaN at its 2nd step (stored at metric step 1), so it
  // is diverged "at step 2" (steps_done 2), as `runs show` says.
  function store(): { db: string; ok: number; bad: number } {
    const db = path.join(tempDir(), "nfx.db");
    const [ok, bad] = addQuickRuns(db, [
      { lambda: 0.01, batch: 8, top1: 0.5, steps: 2 },
      { lambda: null, batch: 8, top1: "diverged", steps: 2 },
    ]) as [number, number];
    return { db, ok, bad };
  }

  it("`plot --x step`: the subtitle names the run whose curve stops and where; a cross marks it", async () => {
    const { db, ok, bad } = store();
    const s = RunStore.open(db, { readonly: true });
    try {
      const spec = plotSpec(s, { x: "step", y: ["loss"], color: "agc.lambda" }) as VegaLiteSpec & {
        title: { subtitle: string[] };
        data: { values: Record<string, unknown>[] };
      };
      assertValidVegaLite(spec, "curves");
      assert.ok(
        spec.title.subtitle.includes(`curves stop where 1 run diverged (✕): at step 2 run ${bad}`),
        spec.title.subtitle.join("\n"),
      );
      const values = spec.data.values;
      const stop = values.filter((v) => v.stop_value !== undefined);
      const badLoss = s.metrics(bad, "loss")[0]?.value;
      assert.deepEqual(stop, [{ series: "λ=none", metric: "loss", step: 2, stop_value: badLoss, run_id: bad }]);
      // Steps as messages count them: the N-th update is step N, from 1 (stored metric steps 0 and 1).
      const steps = (series: string) => values.filter((v) => v.series === series && v.mean !== undefined);
      assert.deepEqual(
        steps("λ=0.01").map((v) => v.step),
        [1, 2],
      );
      assert.deepEqual(
        steps("λ=none").map((v) => [v.step, v.n_diverged]),
        [[1, 1]],
        "the diverged run is counted as diverged where it is drawn",
      );
      assert.ok(s.getRun(ok)?.steps_done === 2);
      const svg = await renderSvg(spec);
      assert.match(svg, /curves stop where 1 run diverged/);
    } finally {
      s.close();
    }
  });

  it("a sweep's comparison figure names the run whose loss curve stops", () => {
    const { db, ok, bad } = store();
    const s = RunStore.open(db, { readonly: true });
    try {
      const runs = [ok, bad].map((id) => ({ run: s.getRun(id) as StoredRun, label: `run ${id}` }));
      const spec = sweepComparisonSpec(s, "nfx sweep: t", runs) as VegaLiteSpec & { title: { subtitle: string[] } };
      assert.ok(spec.title.subtitle.includes(`curves stop where 1 run diverged: at step 2 run ${bad}`));
    } finally {
      s.close();
    }
  });
});
