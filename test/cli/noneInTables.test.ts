// "No clipping" in one written form (core/text/writtenForm: null is "none") in every table `nfx runs` prints, as in
// the dry run, --where and legends; "—" is left for a measurement a run lacks.
import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import { nfx } from "../e2e/sweepHelpers.js";
import { tempDir } from "../helpers.js";
import { addQuickRuns } from "../plot/quickstartStore.js";

/** The cells of the table row whose first cell is `first` (tables are boxed or space-aligned). */
function rowCells(out: string, first: string): string[] {
  const line = out.split("\n").find((l) => l.replace(/[│|]/g, " ").trim().split(/\s+/)[0] === first);
  assert.ok(line, `a row starting ${first} in:\n${out}`);
  return line
    .replace(/[│|]/g, " ")
    .trim()
    .split(/\s{2,}/);
}

describe("config values in tables: null is 'none'", () => {
  const dir = tempDir();
  const db = path.join(dir, "nfx.db");
  const [, off] = addQuickRuns(db, [
    { lambda: 0.01, batch: 8, top1: 0.5, steps: 2 },
    { lambda: null, batch: 8, top1: "diverged", steps: 2 },
  ]) as [number, number];
  const ok = (args: string[]) => {
    const res = nfx([...args, "--db", db], dir);
    assert.equal(res.status, 0, res.stderr);
    return res.stdout;
  };

  it("runs, runs --columns, runs --group-by and runs show write λ = null as none", () => {
    const runs = rowCells(ok(["runs"]), String(off));
    // id, hash, status, model, data, clip, λ, batch, seed, steps, test top-1, time
    assert.equal(runs[6], "none", `λ cell: ${runs}`);
    assert.equal(runs[10], "—", `the missing test top-1 stays —: ${runs}`);
    assert.deepEqual(rowCells(ok(["runs", "--columns", "id,agc.lambda,test_top1"]), String(off)), [
      String(off),
      "none",
      "—",
    ]);
    assert.equal(rowCells(ok(["runs", "--group-by", "agc.lambda"]), "none")[0], "none");
    assert.deepEqual(rowCells(ok(["runs", "show", String(off)]), "agc.lambda"), ["agc.lambda", "none"]);
  });
});
