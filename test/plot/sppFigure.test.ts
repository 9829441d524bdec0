// `nfx spp`'s figure (issue 27 item 19): its three panels' titles overlapped (rotated beside panels shorter than
// they are) — checked on vega's rendered scene graph, as the other figures are; and `--format` writes the formats
// asked for, as `nfx figure` and `nfx plot` do.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { before, describe, it } from "node:test";
import { initBackend } from "../../src/core/engine/backend/backend.js";
import { resolveModelSpec } from "../../src/core/models/resolve.js";
import { signalPropagation } from "../../src/core/models/signalPropagation.js";
import { sppSpec } from "../../src/core/plot/sppSpec.js";
import { nfx } from "../e2e/sweepHelpers.js";
import { tempDir } from "../helpers.js";
import { overlaps, sceneOf } from "./sceneText.js";
import { assertValidVegaLite } from "./schema.js";

describe("the spp figure", () => {
  before(async () => {
    await initBackend("cpu");
  });

  it("draws its panel titles, axis titles and legend apart, inside the figure (with and without WS)", async () => {
    const model = resolveModelSpec({ name: "nf-resnet-micro" });
    const runs = [
      { label: "nf-resnet-micro (WS)", spp: signalPropagation(model, { batch: 4 }) },
      { label: "nf-resnet-micro (no WS)", spp: signalPropagation({ ...model, ws: false }, { batch: 4 }) },
    ];
    const spec = sppSpec(runs, "Signal propagation at init: nf-resnet-micro");
    assertValidVegaLite(spec, "spp");
    const scene = await sceneOf(spec);
    const clash = overlaps(scene.texts).map(([a, b]) => `${a.role} "${a.text}" × ${b.role} "${b.text}"`);
    assert.deepEqual(clash, []);
    const panels = scene.texts.filter((t) => /avg channel/.test(t.text));
    assert.equal(panels.length, 3, "the three panel titles are drawn");
    for (const t of scene.texts) {
      assert.ok(t.x1 >= -0.5 && t.y1 >= -0.5 && t.x2 <= scene.width + 0.5 && t.y2 <= scene.height + 0.5, t.text);
    }
  });

  it("nfx spp --format writes the formats asked for; an unknown one is refused", () => {
    const dir = tempDir();
    const r = nfx(
      ["spp", "--model", "nf-resnet-micro", "--batch", "2", "--out", "f", "--format", "svg,png", "--json"],
      dir,
    );
    assert.equal(r.status, 0, r.stderr);
    const figure = (JSON.parse(r.stdout) as { figure: Record<string, string> }).figure;
    assert.deepEqual(Object.keys(figure).sort(), ["png", "spec", "svg"]);
    assert.ok(
      fs
        .readFileSync(path.join(dir, "f", "spp-nf-resnet-micro.png"))
        .subarray(1, 4)
        .toString() === "PNG",
    );
    const bad = nfx(["spp", "--model", "nf-resnet-micro", "--out", "g", "--format", "pdf"], dir);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /^nfx: error: --format pdf: unknown format \(known: json, svg, png, html\)/);
    assert.equal(fs.existsSync(path.join(dir, "g")), false);
  });
});
