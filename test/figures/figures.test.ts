// Every figure from a store of constructed runs: the spec validates against the Vega-Lite schema, the SVG has one
// line per series, the PNG shows colored marks, the HTML page inlines its libraries; bad input fails clearly.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { PNG } from "pngjs";
import { RunStore } from "../../src/core/store/runStore.js";
import { runFigure } from "../../src/experiments/figures/runFigure.js";
import { tempDir } from "../helpers.js";
import { assertValidVegaLite, coloredPixels } from "../plot/schema.js";
import { addConstructedRuns, SUPPORTS } from "./constructedStore.js";

const root = path.resolve(import.meta.dirname, "../..");

/** Expected lines in the SVG: series per panel × panels. */
const LINES: Record<string, number> = { fig2a: 3, fig2b: 2, granularity: 6, exclusions: 3 };

function lineCount(svg: string): number {
  const groups = [...svg.matchAll(/<g class="mark-line role-mark[^"]*"[^>]*>(.*?)<\/g>/gs)];
  return groups.reduce((n, g) => n + ((g[1] ?? "").match(/<path /g) ?? []).length, 0);
}

describe("nfx figure over constructed runs", () => {
  const dir = tempDir();
  const db = path.join(dir, "nfx.db");
  for (const name of Object.keys(SUPPORTS)) addConstructedRuns(db, name, SUPPORTS[name] as never);
  const base = {
    preset: "quick",
    runMissing: false,
    db,
    backend: "cpu",
    formats: ["json", "svg", "png", "html"],
  } as const;

  for (const name of Object.keys(LINES)) {
    it(`${name}: valid spec, one line per series, PNG with data, offline HTML`, async () => {
      const out = path.join(dir, "out");
      const result = await runFigure(name, { ...base, out });
      assert.equal(result.missing, 0);
      assert.equal(result.ran, 0);
      assertValidVegaLite(JSON.parse(fs.readFileSync(result.files.spec, "utf8")), name);
      const svg = fs.readFileSync(result.files.svg, "utf8");
      assert.equal(lineCount(svg), LINES[name], `${name}: lines in the SVG`);
      assert.match(svg, /constructed test runs/, "the subtitle names the device");
      // No run silently left out (issue 14 item 9): fig2a draws AGC only at the λ the other seeds picked (issue 16:
      // no winner's curse) and says so.
      const notDrawn = /not drawn: (\d+) runs \(([^)]*)\)/.exec(svg);
      if (name === "fig2a") {
        assert.equal(notDrawn?.[1], "8", "AGC at the other λ: 2 batch sizes × 4 seeds");
        assert.match(notDrawn?.[2] ?? "", /a λ other than the one the other seeds of its batch size picked/);
      } else assert.equal(notDrawn, null, `${name} draws every run of its sweep`);
      // fig2b draws its runs without clipping (batch 1024 × 6 seeds) as a dashed reference, labelled (issue 24).
      if (name === "fig2b") assert.match(svg, /dashed lines: no clipping/);
      const png = PNG.sync.read(fs.readFileSync(result.files.png as string));
      assert.ok(png.width > 400 && png.height > 200, `${png.width}x${png.height}`);
      assert.ok(coloredPixels(png) > 500, "colored marks in the PNG");
      const html = fs.readFileSync(result.files.html as string, "utf8");
      assert.doesNotMatch(html, /<script[^>]+src=/, "no external script");
      assert.match(html, /vegaEmbed\("#figure"/);
    });
  }

  it("curves of a figure's sweep and spp validate", async () => {
    const out = path.join(dir, "out");
    const curves = await runFigure("curves", { ...base, out, of: "fig2b", formats: ["json", "svg"] });
    assert.equal(curves.runs, 26);
    assertValidVegaLite(JSON.parse(fs.readFileSync(curves.files.spec, "utf8")), "curves");
    const spp = await runFigure("spp", { ...base, out, model: "nf-resnet-micro", formats: ["json", "svg"] });
    assertValidVegaLite(JSON.parse(fs.readFileSync(spp.files.spec, "utf8")), "spp");
    assert.match(fs.readFileSync(spp.files.svg, "utf8"), /ran on: cpu/);
  });

  it("a figure over a store without its runs says what to run; an unknown name lists the known ones", async () => {
    const empty = path.join(dir, "empty.db");
    RunStore.open(empty).close();
    await assert.rejects(
      runFigure("fig2b", { ...base, db: empty, out: dir }),
      /holds none of the 26 runs of configs\/fig2b\.quick\.yaml; run `nfx figure fig2b --preset quick --run-missing`/,
    );
    // A store that is not there is not a store without runs: the figure says so and creates nothing.
    for (const name of ["fig2b", "curves"]) {
      const typo = path.join(dir, "typo.db");
      await assert.rejects(
        runFigure(name, { ...base, db: typo, out: dir, where: "seed = 0" }),
        new RegExp(`^Error: ${typo}: no such store`),
      );
      assert.equal(fs.existsSync(typo), false);
    }
    const res = spawnSync(process.execPath, [path.join(root, "bin/run.js"), "figure", "fig9"], { encoding: "utf8" });
    assert.notEqual(res.status, 0);
    // oclif wraps long error lines at the terminal width: rejoin them before matching.
    const oneLine = res.stderr.replace(/\s*\n\s*(›\s*)?/g, " ");
    assert.match(
      oneLine,
      /unknown figure 'fig9' \(known: fig2a, fig2b, granularity, exclusions, optimizers, curves, spp\)/,
    );
    assert.doesNotMatch(res.stderr, /\n\s+at /, "no stack trace");
  });
});
