// Where figures and reports go without --out: beside the store, and never where another store's go.
import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import { besideStore, figuresDirFor } from "../../src/core/plot/outputDir.js";

describe("figures and report beside the store", () => {
  it("the default store's take the plain names; any other store's its name first, so two never collide", () => {
    assert.equal(figuresDirFor("results/nfx.db"), path.join("results", "figures"));
    assert.equal(besideStore("results/nfx.db", "report"), path.join("results", "report"));
    assert.equal(figuresDirFor("results/ablation.db"), path.join("results", "ablation-figures"));
    assert.equal(besideStore("/data/lr.sqlite", "report"), "/data/lr-report");
    assert.equal(besideStore("runs", "report"), "runs-report", "a store file without an extension");
    assert.notEqual(besideStore("r/a.db", "report"), besideStore("r/b.db", "report"));
    assert.equal(figuresDirFor("results/ablation.db", "out"), "out", "--out wins");
  });
});
