// Every figure honest at any number of seeds (issue 24), checked on the rendered scene (test/plot/scene.ts): no
// band outside [0, 1]; groups of 2 seeds drawn as their seeds, no band; one seed, no interval; fig2b's unclipped
// runs as a labelled reference; a figure with nothing on its axis exits non-zero and says why; one batch size or
// one seed said in the subtitle.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import type { RunConfig } from "../../src/core/config/schema.js";
import { type FigureOptions, runFigure } from "../../src/experiments/figures/runFigure.js";
import { nfx } from "../e2e/sweepHelpers.js";
import { tempDir } from "../helpers.js";
import { addQuickRuns } from "../plot/quickstartStore.js";
import { axisLabels, dataItems, drawnBands, drawnSeeds, renderedScene, type SceneMark } from "../plot/scene.js";
import { addConstructedRuns } from "./constructedStore.js";

const FIGURES = ["fig2a", "fig2b", "granularity", "exclusions", "optimizers"] as const;
/** Seed-dependent top-1s far apart, so that any t-interval of the mean would leave [0, 1]. */
const spread = (c: RunConfig) => (c.seed % 2 === 0 ? 0.6 : 0.99);

function storeWith(keep: (c: RunConfig) => boolean, top1 = spread): string {
  const db = path.join(tempDir(), "nfx.db");
  for (const name of FIGURES) addConstructedRuns(db, name, top1, keep, false);
  return db;
}

function options(db: string): FigureOptions {
  return { preset: "quick", runMissing: false, db, out: tempDir(), backend: "cpu", formats: ["json", "svg"] };
}

async function drawn(name: string, db: string, extra: Partial<FigureOptions> = {}) {
  const result = await runFigure(name, { ...options(db), ...extra });
  const spec = JSON.parse(fs.readFileSync(result.files.spec, "utf8"));
  return { spec, subtitle: (spec.title.subtitle as string[]).join("\n"), scene: await renderedScene(spec) };
}

/** Every number a data mark was drawn from (mean, band, seeds' range, seed) lies in `[lo, hi]`. */
function assertWithin(scene: readonly SceneMark[], lo: number, hi: number, what: string): void {
  const fields = ["mean", "lo", "hi", "min", "max", "seed"];
  let checked = 0;
  for (const type of ["area", "rule", "symbol", "line"])
    for (const item of dataItems(scene, type))
      for (const f of fields) {
        const v = item.datum[f];
        if (typeof v !== "number") continue;
        checked++;
        assert.ok(v >= lo && v <= hi, `${what}: ${type} ${f} = ${v}`);
      }
  assert.ok(checked > 0, `${what}: values checked`);
}

describe("figures at 2 seeds: seeds as points, no band", () => {
  const db = storeWith((c) => c.seed < 2);
  for (const name of FIGURES) {
    it(`${name}: no band, each seed a point at its top-1, nothing outside [0, 1]`, async () => {
      const { scene, subtitle } = await drawn(name, db);
      assert.deepEqual(drawnBands(scene), [], "no band");
      const seeds = drawnSeeds(scene);
      assert.ok(seeds.length >= 2, `seed points: ${seeds.length}`);
      for (const s of seeds) assert.ok([0.6, 0.99].includes(Number(s.seed.toFixed(4))), `seed ${s.seed}`);
      const groups = new Set(seeds.map((s) => JSON.stringify({ ...s.datum, seed: null })));
      assert.equal(seeds.length, 2 * groups.size, "two points per 2-seed group");
      assertWithin(scene, 0, 1, name);
      assert.match(subtitle, /fewer than 3 seeds: seeds as points with their range, no band/);
    });
  }
});

describe("figures at 4+ seeds: the t-band cut at [0, 1]", () => {
  const db = storeWith(() => true);
  for (const name of FIGURES) {
    it(`${name}: a band where seeds allow, never beyond 100%, and the subtitle says it was cut`, async () => {
      const { scene, subtitle } = await drawn(name, db);
      const bands = drawnBands(scene);
      assert.ok(bands.length > 0, "bands drawn");
      assert.ok(
        bands.some((b) => b.hi === 1),
        "a band that reached past 100% stops there",
      );
      assertWithin(scene, 0, 1, name);
      assert.match(subtitle, /band: 95% t-interval of the mean; band cut at 0–100%/);
    });
  }

  it("exclusions (one batch size): the subtitle says so, and the band shows as a bar at its one point", async () => {
    const { scene, subtitle } = await drawn("exclusions", db);
    assert.match(subtitle, /all runs at batch size 1024: the figure shows no other batch size/);
    const bars = dataItems(scene, "rule").filter((i) => typeof i.datum.lo === "number" && !i.datum.off_axis);
    assert.equal(bars.length, 3, "one interval bar per exclusion set");
    // The three bars stand side by side around batch 1024, not on one vertical line hiding each other.
    const xs = bars.map((b) => b.x as number).sort((a, b) => a - b);
    assert.ok(xs[1] - xs[0] > 4 && xs[2] - xs[1] > 4, `bars apart: ${xs.map((x) => x.toFixed(1))}`);
    assert.deepEqual(
      bars.map((b) => b.datum["train.batch_size"]),
      [1024, 1024, 1024],
      "their data (and tooltips) keep the true batch size",
    );
    assert.deepEqual(
      axisLabels(scene).filter((l) => /^\d/.test(l) && Number(l) > 100),
      ["1024"],
    );
  });

  it("fig2b: the unclipped runs drawn as a dashed reference labelled 'no clipping'", async () => {
    const { scene, subtitle } = await drawn("fig2b", db);
    const rules = dataItems(scene, "rule").filter((i) => i.datum.off_axis === true);
    assert.equal(rules.length, 1, "batch 1024's runs without clipping: one dashed line");
    assert.equal(rules[0]?.datum.n, 6, "its 6 seeds");
    assert.deepEqual(
      dataItems(scene, "text").map((i) => i.text),
      ["no clipping"],
    );
    assert.match(subtitle, /dashed lines: no clipping, at its batch size's colour \(B=1024\)/);
    assert.doesNotMatch(subtitle, /not drawn/);
  });

  it("`nfx figure --band none` on the command line", () => {
    const out = tempDir();
    const res = nfx(["figure", "fig2b", "--db", db, "--out", out, "--band", "none", "--format", "json", "--json"], out);
    assert.equal(res.status, 0, res.stderr);
    const spec = JSON.parse(fs.readFileSync(JSON.parse(res.stdout).files.spec, "utf8"));
    assert.match((spec.title.subtitle as string[]).join("\n"), /no band \(--band none\)/);
  });

  it("--band range and none on a figure", async () => {
    const range = await drawn("fig2b", db, { band: "range" });
    for (const b of drawnBands(range.scene)) assert.deepEqual([b.lo, b.hi], [0.6, 0.99]);
    assert.match(range.subtitle, /band: seeds' range \(min–max\)/);
    const none = await drawn("fig2b", db, { band: "none" });
    assert.deepEqual(drawnBands(none.scene), []);
    assert.deepEqual(drawnSeeds(none.scene), []);
  });
});

describe("one seed, and nothing to draw", () => {
  it("one seed: no interval anywhere, tooltips say so, the subtitle names the seed", async () => {
    const db = storeWith((c) => c.seed === 0);
    const { scene, subtitle } = await drawn("fig2b", db);
    assert.deepEqual(drawnBands(scene), []);
    assert.deepEqual(drawnSeeds(scene), []);
    const tips = dataItems(scene, "symbol").map((i) => i.tooltip?.["95% t-interval of the mean"]);
    assert.ok(tips.length > 0 && tips.every((t) => t === "one seed: no interval"), JSON.stringify(tips));
    assert.match(subtitle, /all runs at seed 0: no interval anywhere/);
  });

  it("fig2b with only 3 unclipped runs stored: exits non-zero, says why, writes nothing", async () => {
    const db = storeWith((c) => c.agc.lambda === null && c.train.batch_size === 1024 && c.seed < 3);
    const out = tempDir();
    const why =
      /fig2b: nothing to draw: the store holds 3 of the 26 runs of configs\/fig2b\.quick\.yaml, all of them only the reference line \(fig2b draws it beside its curves, not alone\); run `nfx figure fig2b --preset quick --run-missing` for its 23 missing runs/;
    await assert.rejects(runFigure("fig2b", { ...options(db), out }), why);
    assert.deepEqual(fs.readdirSync(out), []);
    const res = nfx(["figure", "fig2b", "--db", db, "--out", out], out);
    assert.notEqual(res.status, 0);
    assert.match(res.stderr.replace(/\s*\n\s*(›\s*)?/g, " "), why);
    assert.deepEqual(fs.readdirSync(out), []);
  });

  it("fig2a with only BN runs of one seed is drawn (they lie on its axis)", async () => {
    const db = storeWith((c) => c.model.name.startsWith("bn-") && c.seed === 0);
    const { subtitle } = await drawn("fig2a", db);
    assert.match(subtitle, /one run per point/);
  });
});

describe("curves: the clip-fraction band in [0, 1], the loss band ≥ 0", () => {
  it("3 seeds with a spread clip fraction and loss: bands cut at the range; 2 seeds: points", async () => {
    const db = path.join(tempDir(), "nfx.db");
    addQuickRuns(
      db,
      [0.01, 0.5, 0.02].map((loss, seed) => ({
        lambda: 0.01,
        batch: 256,
        seed,
        top1: 0.8,
        loss,
        clipFrac: [0, 0.01, 0.6][seed],
      })),
    );
    const { scene, subtitle } = await drawn("curves", db, { where: "seed >= 0" });
    const bands = drawnBands(scene);
    const clip = bands.filter((b) => b.datum.metric === "clip_frac");
    const loss = bands.filter((b) => b.datum.metric === "loss");
    assert.ok(clip.length >= 5 && loss.length >= 5, `${clip.length} clip, ${loss.length} loss`);
    for (const b of clip) assert.ok(b.lo >= 0 && b.hi <= 1, JSON.stringify(b));
    for (const b of loss) assert.ok(b.lo >= 0, JSON.stringify(b));
    assert.ok(clip.some((b) => b.lo === 0) && loss.some((b) => b.lo === 0), "cut at 0");
    assert.match(subtitle, /band cut at the metric's range/);
    const two = await drawn("curves", db, { where: "seed < 2" });
    assert.deepEqual(drawnBands(two.scene), []);
    assert.ok(drawnSeeds(two.scene).length >= 10, "each step's two seeds as points");
  });
});
