// Bands honest at any number of seeds (issue 24): never outside the metric's range, none under 3 seeds (the seeds
// drawn as points with their range instead), none for one seed (and no zero-width interval in a tooltip), chosen
// with --band. Checked on the rendered scene (scene.ts), not on the spec's JSON.
import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import { metricRange, seedBand } from "../../src/core/plot/bands.js";
import { type PlotRequest, plotSpec } from "../../src/core/plot/plotSelection.js";
import type { VegaLiteSpec } from "../../src/core/plot/render.js";
import { RunStore } from "../../src/core/store/runStore.js";
import { nfx } from "../e2e/sweepHelpers.js";
import { tempDir } from "../helpers.js";
import { addQuickRuns, type QuickRun } from "./quickstartStore.js";
import { axisLabels, dataItems, drawnBands, drawnSeeds, renderedScene } from "./scene.js";

function storeOf(runs: readonly QuickRun[]): string {
  const db = path.join(tempDir(), "nfx.db");
  addQuickRuns(db, runs);
  return db;
}

function plot(db: string, req: Partial<PlotRequest> & { x: string }): VegaLiteSpec {
  const store = RunStore.open(db, { readonly: true });
  try {
    return plotSpec(store, { y: [], ...req });
  } finally {
    store.close();
  }
}

// biome-ignore lint/suspicious/noExplicitAny: tests read the subtitle of a checked spec.
const subtitle = (s: any): string => (s.title.subtitle as string[]).join("\n");

/** A shown axis label's number: "12.5%" → 0.125, "−0.2" → −0.2. */
function labelValue(label: string): number {
  const v = Number(label.replace("−", "-").replace("%", ""));
  return label.endsWith("%") ? v / 100 : v;
}

describe("the band of one group", () => {
  it("2 seeds: no band (the t-interval would span 0–50%), their range; 1 seed: no interval", () => {
    const two = seedBand([0.2, 0.28], "ci", [0, 1]);
    assert.equal(two.lo, null);
    assert.equal(two.hi, null);
    assert.deepEqual([two.min, two.max, two.seeds], [0.2, 0.28, [0.2, 0.28]]);
    const one = seedBand([0.8], "ci", [0, 1]);
    assert.deepEqual([one.lo, one.hi, one.mean], [null, null, 0.8]);
  });

  it("3 seeds: a t-interval, cut at the metric's range; sd, range and none as asked", () => {
    const top = seedBand([0.9, 0.99, 1], "ci", [0, 1]);
    assert.equal(top.hi, 1, "cut at 100%");
    assert.ok(top.cut && (top.lo as number) < 0.9);
    const loss = seedBand([0.01, 0.02, 0.5], "ci", metricRange("loss"));
    assert.equal(loss.lo, 0, "a loss band stops at 0");
    assert.ok((loss.hi as number) > 0.5 && loss.cut);
    const sd = seedBand([1, 2, 3], "sd", null);
    assert.deepEqual([sd.lo, sd.hi, sd.cut], [1, 3, false]);
    const range = seedBand([3, 1, 2], "range", null);
    assert.deepEqual([range.lo, range.hi], [1, 3]);
    assert.equal(seedBand([1, 2, 3], "none", null).lo, null);
  });

  it("metric ranges: top-1s and clip fractions in [0, 1], losses and norms ≥ 0, config keys unbounded", () => {
    for (const m of ["top1", "test_top1", "clip_frac", "clip_frac.classifier_weight"])
      assert.deepEqual(metricRange(m), [0, 1], m);
    for (const m of ["loss", "final_loss", "grad_norm", "lr", "images_per_s"])
      assert.deepEqual(metricRange(m), [0, Number.POSITIVE_INFINITY], m);
    assert.equal(metricRange("agc.lambda"), null);
  });
});

describe("nfx plot: bands as drawn", () => {
  // Two seeds a point, 8 pp apart: a 95% t-interval (t = 12.7) would cover about 0–75%.
  const twoSeeds = storeOf(
    [0.01, 0.16].flatMap((lambda) =>
      [0, 1].map((seed) => ({ lambda, batch: 256, seed, top1: 0.2 + 0.08 * seed + (lambda === 0.16 ? 0.1 : 0) })),
    ),
  );

  it("2 seeds a point: no band, the seeds drawn as points at their values, no axis label beyond 0–100%", async () => {
    const spec = plot(twoSeeds, { x: "agc.lambda", logX: true });
    const scene = await renderedScene(spec);
    assert.deepEqual(drawnBands(scene), [], "no band drawn");
    const seeds = drawnSeeds(scene)
      .map((s) => Number(s.seed.toFixed(4)))
      .sort();
    assert.deepEqual(seeds, [0.2, 0.28, 0.3, 0.38], "each seed a point");
    const ranges = dataItems(scene, "rule").filter((i) => i.datum.n === 2);
    assert.equal(ranges.length, 2, "a range rule at each point");
    for (const label of axisLabels(scene)) {
      const v = labelValue(label);
      assert.ok(!label.endsWith("%") || (v >= 0 && v <= 1), `axis label ${label}`);
    }
    assert.match(subtitle(spec), /fewer than 3 seeds: seeds as points with their range, no band/);
    const tips = dataItems(scene, "symbol").filter((i) => i.tooltip && "95% t-interval of the mean" in i.tooltip);
    assert.ok(tips.length >= 2);
    for (const t of tips)
      assert.match(String(t.tooltip?.["95% t-interval of the mean"]), /^none under 3 seeds; seeds \d+\.\d%, \d+\.\d%$/);
  });

  it("3 seeds near 100%: the top-1 band stops at 100%, and the subtitle says it was cut", async () => {
    const db = storeOf([0.9, 0.99, 1].map((top1, seed) => ({ lambda: 0.01, batch: 256, seed, top1 })));
    const spec = plot(db, { x: "train.batch_size" });
    const scene = await renderedScene(spec);
    const bars = dataItems(scene, "rule").filter((i) => typeof i.datum.hi === "number");
    assert.equal(bars.length, 1, "one point, its interval as a bar");
    assert.equal(bars[0]?.datum.hi, 1);
    assert.ok((bars[0]?.datum.lo as number) > 0.7);
    for (const label of axisLabels(scene)) assert.ok(!label.endsWith("%") || labelValue(label) <= 1, label);
    assert.match(subtitle(spec), /band: 95% t-interval of the mean; band cut at 0–100%/);
  });

  it("one seed: no interval drawn, and the tooltip says so (no zero-width interval)", async () => {
    const db = storeOf([
      { lambda: 0.01, batch: 256, top1: 0.8 },
      { lambda: 0.16, batch: 256, top1: 0.7 },
    ]);
    const spec = plot(db, { x: "agc.lambda", logX: true });
    const scene = await renderedScene(spec);
    assert.deepEqual(drawnBands(scene), []);
    assert.deepEqual(dataItems(scene, "rule"), [], "no interval bar");
    const tips = dataItems(scene, "symbol").map((i) => i.tooltip?.["95% t-interval of the mean"]);
    assert.deepEqual(tips, ["one seed: no interval", "one seed: no interval"]);
    assert.match(subtitle(spec), /one run per point/);
  });

  // Three seeds of a small, spread loss: the t-interval's lower end is about −0.7.
  const lossRuns = storeOf(
    [0.01, 0.5, 0.02].map((loss, seed) => ({
      lambda: 0.01,
      batch: 256,
      seed,
      top1: 0.8,
      loss,
      clipFrac: [0, 0.01, 0.6][seed],
    })),
  );

  it("--x step --y loss: the band stops at 0, and the subtitle says it was cut", async () => {
    const spec = plot(lossRuns, { x: "step", y: ["loss"] });
    const bands = drawnBands(await renderedScene(spec));
    assert.ok(bands.length >= 5, `a band at every step: ${bands.length}`);
    for (const b of bands) assert.ok(b.lo >= 0 && b.datum.cut === true, JSON.stringify(b));
    assert.equal(Math.min(...bands.map((b) => b.lo)), 0);
    assert.match(subtitle(spec), /band: 95% t-interval of the mean; band cut at 0/);
  });

  it("--x step --y clip_frac: the band stays in [0, 1]", async () => {
    const bands = drawnBands(await renderedScene(plot(lossRuns, { x: "step", y: ["clip_frac"] })));
    assert.ok(bands.length >= 5);
    for (const b of bands) assert.ok(b.lo >= 0 && b.hi <= 1, JSON.stringify(b));
  });

  it("--band sd, range, none", async () => {
    const sd = drawnBands(await renderedScene(plot(lossRuns, { x: "step", y: ["loss"], band: "sd" })));
    const m = (0.01 + 0.5 + 0.02) / 3;
    const s = Math.sqrt(((0.01 - m) ** 2 + (0.5 - m) ** 2 + (0.02 - m) ** 2) / 2);
    assert.ok(Math.abs((sd[0]?.hi as number) - (m + s)) < 1e-9, "mean + 1 SD");
    assert.equal(sd[0]?.lo, 0, "mean − 1 SD is below 0: cut");
    const range = drawnBands(await renderedScene(plot(lossRuns, { x: "step", y: ["loss"], band: "range" })));
    assert.deepEqual([range[0]?.lo, range[0]?.hi], [0.01, 0.5]);
    const none = plot(lossRuns, { x: "step", y: ["loss"], band: "none" });
    assert.deepEqual(drawnBands(await renderedScene(none)), []);
    assert.match(subtitle(none), /no band \(--band none\)/);
  });

  it("the CLI takes --band and refuses an unknown one", () => {
    const cwd = tempDir();
    const ok = nfx(["plot", "--db", twoSeeds, "--x", "agc.lambda", "--band", "range", "--out", cwd, "--json"], cwd);
    assert.equal(ok.status, 0, ok.stderr);
    const bad = nfx(["plot", "--db", twoSeeds, "--x", "agc.lambda", "--band", "wide", "--out", cwd], cwd);
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /--band/);
    assert.match(bad.stderr, /ci, sd, range, none/);
  });
});
