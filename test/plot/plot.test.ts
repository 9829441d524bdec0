// nfx plot's specs: field against field with color and column, per-step curves; statistics behind the bands.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { plotSpec } from "../../src/core/plot/plotSelection.js";
import { parseFormats, writeFigure } from "../../src/core/plot/render.js";
import { contrast, studentTQuantile, summarize } from "../../src/core/plot/stats.js";
import { RunStore } from "../../src/core/store/runStore.js";
import { addConstructedRuns, SUPPORTS } from "../figures/constructedStore.js";
import { tempDir } from "../helpers.js";
import { assertValidVegaLite } from "./schema.js";

describe("statistics", () => {
  it("t quantiles match the tables; intervals widen with few seeds", () => {
    assert.ok(Math.abs(studentTQuantile(0.975, 1) - 12.7062) < 1e-3);
    assert.ok(Math.abs(studentTQuantile(0.975, 4) - 2.7764) < 1e-3);
    assert.ok(Math.abs(studentTQuantile(0.975, 1000) - 1.9623) < 1e-3);
    const s = summarize([1, 2, 3]);
    assert.equal(s.mean, 2);
    assert.ok(Math.abs(s.hi - (2 + 4.3027 / Math.sqrt(3))) < 1e-3);
    const c = contrast([
      { coef: 1, values: [3, 4, 5] },
      { coef: -1, values: [1, 2, 3] },
    ]);
    assert.ok(c && c.estimate === 2 && Math.abs(c.df - 4) < 1e-9 && c.lo < 2 && c.hi > 2);
    assert.equal(contrast([{ coef: 1, values: [1] }]), null, "one seed: no interval");
  });
});

describe("nfx plot specs", () => {
  const dir = tempDir();
  const db = path.join(dir, "nfx.db");
  addConstructedRuns(db, "granularity", SUPPORTS.granularity as never);

  it("top-1 against λ, colored by granularity, one panel per batch size", async () => {
    const store = RunStore.open(db, { readonly: true });
    try {
      const spec = plotSpec(store, {
        x: "agc.lambda",
        y: ["top1"],
        color: "agc.granularity",
        column: "train.batch_size",
        where: "model.name = 'nf-resnet-micro' and agc.granularity != 'none'",
        logX: true,
      });
      assertValidVegaLite(spec, "plot");
      const files = await writeFigure(spec, dir, "plot", parseFormats("json,svg"));
      const svg = fs.readFileSync(files.svg, "utf8");
      assert.match(svg, /unit/);
      assert.match(svg, /global/);
      const perStep = plotSpec(store, { x: "step", y: ["loss", "clip_frac"], color: "agc.lambda" });
      assertValidVegaLite(perStep, "per-step plot");
      assert.throws(() => plotSpec(store, { x: "nope", y: ["top1"] }), /--x nope: no selected run has this field/);
      assert.throws(
        () => plotSpec(store, { x: "agc.lambda", y: ["top1"], where: "train.batch_size = 3" }),
        /no finished run matches \(runs where train\.batch_size = 3\)/,
      );
      assert.throws(
        () => plotSpec(store, { x: "agc.lambda", y: ["top1"], where: "train.batch_size = = 3" }),
        /^Error: --where: /,
      );
    } finally {
      store.close();
    }
  });

  it("a bad --format fails with one line", () => {
    assert.throws(() => parseFormats("svg,gif"), /--format gif: unknown format \(known: json, svg, png, html\)/);
  });
});
