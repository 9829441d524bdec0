// The sweep's figure designed from its axes (issue 24): a 36-run, 4-axis sweep drawn at its default size with no
// label over another (checked on vega's rendered scene graph) and every run counted; curves drawn with straight
// segments between logged points; runs that do not clip labelled without an exclusion.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import type { VegaLiteSpec } from "../../src/core/plot/render.js";
import { sweepLayout } from "../../src/core/plot/sweepLayout.js";
import { runLabel, sweepComparisonSpec } from "../../src/core/plot/sweepPlot.js";
import { overlaps, type Scene, sceneOf } from "./sceneText.js";
import { assertValidVegaLite } from "./schema.js";
import { FOUR_AXIS_SWEEP, type SweepStore, sweepStore } from "./sweepStore.js";

// biome-ignore lint/suspicious/noExplicitAny: specs are checked by the Vega-Lite schema; tests read a few fields.
type AnySpec = any;

function figureOf(s: SweepStore, axes: readonly string[] | null = s.axes): AnySpec {
  const runs = s.stored.map((run, i) => ({ run, label: runLabel(s.runs[i]?.point ?? {}, run) }));
  const spec = sweepComparisonSpec(s.store, "nfx sweep: own-ablation", runs, axes);
  assertValidVegaLite(spec, "sweep figure");
  return spec;
}

/** Every visible label apart from every other, and inside the figure. */
function assertLabelsClear(scene: Scene): void {
  const clash = overlaps(scene.texts).map(([a, b]) => `${a.role} "${a.text}" × ${b.role} "${b.text}"`);
  assert.deepEqual(clash, [], "no two labels overlap");
  for (const t of scene.texts) {
    const inside = t.x1 >= -0.5 && t.y1 >= -0.5 && t.x2 <= scene.width + 0.5 && t.y2 <= scene.height + 0.5;
    assert.ok(
      inside,
      `${t.role} "${t.text.slice(0, 60)}" at ${[t.x1, t.y1, t.x2, t.y2]} fits ${scene.width}×${scene.height}`,
    );
  }
}

/** Runs the drawn marks count: each point's n once (a point drawn in several panels is one), and the seeds' ids. */
function countedRuns(scene: Scene): { byPoints: number; seedIds: Set<unknown>; points: number } {
  const n = new Map<unknown, number>();
  const seedIds = new Set<unknown>();
  for (const { datum } of scene.data) {
    if (datum.kind === "point") n.set(datum.cond, datum.n as number);
    if (datum.kind === "seed") seedIds.add(datum.run_id);
  }
  return { byPoints: [...n.values()].reduce((a, b) => a + b, 0), seedIds, points: n.size };
}

describe("the figure of a 36-run, 4-axis sweep (λ × granularity × exclusion × batch × 2 seeds)", () => {
  const s = sweepStore(FOUR_AXIS_SWEEP);
  after(() => s.store.close());

  it("takes its roles from the sweep's axes: x λ (log), colour granularity, columns exclusion, rows batch", () => {
    assert.equal(s.stored.length, 36);
    const layout = sweepLayout(s.stored, s.axes);
    assert.deepEqual(layout.x, { key: "agc.lambda", numeric: true, log: true });
    assert.equal(layout.colour, "agc.granularity");
    assert.equal(layout.column, "agc.exclude");
    assert.deepEqual(layout.rows, ["train.batch_size"]);
    assert.equal(layout.runs.filter((r) => r.baseline).length, 4, "the unclipped runs are the baseline");
  });

  it("at its default size no label overlaps another, and every label fits in the figure", async () => {
    const scene = await sceneOf(figureOf(s));
    assert.ok(scene.texts.length > 40, `labels read: ${scene.texts.length}`);
    assertLabelsClear(scene);
    const texts = scene.texts.map((t) => t.text);
    // Each panel headed by its column and row values (not row labels in a far-off header column).
    for (const column of ["unclipped=classifier_weight", "unclipped=classifier_weight,stem_conv"])
      for (const row of ["B=64", "B=256"]) {
        assert.ok(texts.includes(`${column} · ${row}`), `top-1 panel ${column} · ${row}`);
        for (const clip of ["clip=layer", "clip=unit"])
          assert.ok(texts.includes(`${clip} · ${column} · ${row}`), `loss panel ${clip} · ${column} · ${row}`);
      }
    assert.ok(texts.includes("agc.lambda (log scale)"));
    const roles = new Set(scene.texts.map((t) => t.role));
    for (const role of ["axis-label", "axis-title", "legend-label", "legend-title", "title-text", "title-subtitle"])
      assert.ok(roles.has(role), `${role} checked too`);
  });

  it("counts every run: the points' n add up to 36, and each run is one seed's mark", async () => {
    const spec = figureOf(s);
    const scene = await sceneOf(spec);
    const counted = countedRuns(scene);
    assert.equal(counted.byPoints, 36);
    assert.equal(counted.points, 18, "16 clipped points and 2 unclipped (one per batch size)");
    assert.deepEqual(
      [...counted.seedIds].sort((a, b) => (a as number) - (b as number)),
      s.stored.map((r) => r.id),
    );
    assert.match(spec.title.subtitle[0], /^36 of 36 runs drawn: 32 in 16 points \(n = 2 seeds per point/);
    assert.match(spec.title.subtitle[1], /^dashed: no clipping, 4 runs in 2 points/);
  });

  it("draws the unclipped baseline as a reference in every panel of its batch size, and only there", async () => {
    const scene = await sceneOf(figureOf(s));
    const rules = scene.data.filter((d) => d.marktype === "rule" && d.datum.kind === "point" && d.datum.baseline);
    const panels = rules.map((d) => `${d.datum.column} / ${d.datum.row}`).sort();
    assert.deepEqual(panels, [
      "unclipped=classifier_weight / B=256",
      "unclipped=classifier_weight / B=64",
      "unclipped=classifier_weight,stem_conv / B=256",
      "unclipped=classifier_weight,stem_conv / B=64",
    ]);
    const b64 = s.stored.filter((r) => r.config.agc.lambda === null && r.config.train.batch_size === 64);
    const mean = b64.reduce((a, r) => a + (r.summary?.test_top1 ?? 0), 0) / b64.length;
    for (const d of rules.filter((r) => r.datum.row === "B=64")) assert.equal(d.datum.mean, mean);
  });

  it("draws every line, top-1 and loss, with straight segments between the logged points", async () => {
    const spec = figureOf(s);
    const marks = JSON.stringify(spec).match(/"interpolate":"[a-z-]+"/g) ?? [];
    assert.ok(marks.length >= 3, "the mean lines, the baseline and the loss curves say how they join points");
    assert.deepEqual([...new Set(marks)], ['"interpolate":"linear"']);
    const scene = await sceneOf(spec);
    const lines = scene.data.filter((d) => d.marktype === "line");
    assert.ok(lines.some((d) => d.datum.loss !== undefined) && lines.some((d) => d.datum.mean !== undefined));
    assert.match(spec.title.subtitle.join("\n"), /loss: straight lines between logged steps/);
  });

  it("labels no unclipped run with an exclusion", async () => {
    const unclipped = s.runs.filter((r) => r.config.agc.lambda === null);
    for (const r of unclipped) assert.doesNotMatch(runLabel(r.point, s.stored[r.index] as never), /unclipped=/);
    assert.equal(
      runLabel(unclipped[0]?.point ?? {}, s.stored[unclipped[0]?.index ?? 0] as never),
      "no clipping · B=64 · seed=0",
    );
    const scene = await sceneOf(figureOf(s));
    for (const { datum } of scene.data.filter((d) => d.datum.baseline === true && d.datum.label !== undefined))
      assert.doesNotMatch(String(datum.label), /unclipped=/);
  });
});

describe("labels stay apart at any run count", () => {
  it("a 288-run sweep of 8 λ × 3 granularities × 3 exclusions × 4 batch sizes", async () => {
    const s = sweepStore({
      ...FOUR_AXIS_SWEEP,
      grid: {
        "agc.lambda": [0.005, 0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64],
        "agc.granularity": ["unit", "layer", "global"],
        "agc.exclude": [[], ["classifier_weight"], ["classifier_weight", "stem_conv"]],
        "train.batch_size": [32, 64, 128, 256],
      },
      seeds: 1,
    });
    try {
      const scene = await sceneOf(figureOf(s));
      assertLabelsClear(scene);
      assert.equal(countedRuns(scene).byPoints, 288);
    } finally {
      s.store.close();
    }
  });

  it("an axis of more values than a palette has colours becomes a facet, not repeated colours", async () => {
    const lrs = Array.from({ length: 12 }, (_, i) => 0.05 * (i + 1));
    const s = sweepStore({
      ...FOUR_AXIS_SWEEP,
      grid: { "train.batch_size": [64, 256], "optim.lr": lrs.map((v) => Number(v.toFixed(2))) },
      seeds: 1,
    });
    try {
      const layout = sweepLayout(s.stored, s.axes);
      assert.equal(layout.x.key, "train.batch_size");
      assert.equal(layout.colour, null);
      assert.equal(layout.column, "optim.lr");
      const scene = await sceneOf(figureOf(s));
      assertLabelsClear(scene);
      assert.equal(countedRuns(scene).byPoints, 24);
    } finally {
      s.store.close();
    }
  });

  it("a sweep of one run, and one whose only axis is categories, draw every run with clear labels", async () => {
    for (const grid of [{}, { "agc.granularity": ["unit", "layer", "global", "none"] }]) {
      const s = sweepStore({ ...FOUR_AXIS_SWEEP, grid, seeds: [0] });
      try {
        const scene = await sceneOf(figureOf(s));
        assertLabelsClear(scene);
        assert.equal(countedRuns(scene).byPoints, s.stored.length, JSON.stringify(grid));
      } finally {
        s.store.close();
      }
    }
  });

  it("without the sweep file, the axes are the keys the runs differ in", () => {
    const s = sweepStore(FOUR_AXIS_SWEEP);
    try {
      const layout = sweepLayout(s.stored, null);
      assert.equal(layout.source, "runs");
      assert.equal(layout.x.key, "agc.lambda");
      const roles = [layout.colour, layout.column, ...layout.rows].sort();
      assert.deepEqual(roles, ["agc.exclude", "agc.granularity", "train.batch_size"]);
      const spec: VegaLiteSpec = figureOf(s, null);
      assert.match((spec as AnySpec).title.subtitle.join("\n"), /axes from the runs/);
    } finally {
      s.store.close();
    }
  });
});
