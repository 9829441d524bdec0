// `nfx figure` refuses a flag that does not apply to the figure asked for (issue 27 item 19: `--where` and `--of`
// on fig2b were accepted and ignored), naming the flag and what it is for; exit 2, nothing written.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { nfx } from "../e2e/sweepHelpers.js";
import { tempDir } from "../helpers.js";

const CASES: [string[], RegExp][] = [
  [["fig2b", "--where", "seed = 0"], /^nfx: error: --where: does not apply to fig2b \(it is for curves without --of/],
  [["fig2b", "--of", "fig2a"], /^nfx: error: --of: does not apply to fig2b \(it is for curves\)/],
  [["fig2a", "--model", "nf-resnet-micro"], /^nfx: error: --model: does not apply to fig2a \(it is for spp\)/],
  [["spp", "--preset", "full"], /^nfx: error: --preset: does not apply to spp /],
  [["spp", "--run-missing"], /^nfx: error: --run-missing: does not apply to spp /],
  [["spp", "--band", "ci"], /^nfx: error: --band: does not apply to spp /],
  [["curves", "--where", "seed = 0", "--preset", "full"], /^nfx: error: --preset: does not apply to curves /],
  [["curves", "--of", "fig2b", "--where", "seed = 0"], /^nfx: error: --where: does not apply to curves --of /],
  [
    ["granularity", "--jobs", "2"],
    /^nfx: error: --jobs: has no effect on granularity without --run-missing or --dry-run/,
  ],
];

describe("nfx figure's flags", () => {
  for (const [args, message] of CASES) {
    it(`refuses ${args.join(" ")}`, () => {
      const dir = tempDir();
      const r = nfx(["figure", ...args, "--db", "none.db", "--out", "figs"], dir);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split("\n").length, 1);
      assert.equal(fs.existsSync(path.join(dir, "figs")), false, "nothing written");
    });
  }

  it("takes the flags that apply: a default value is not a flag given, and --of picks curves' preset", () => {
    const dir = tempDir();
    // These get past the flags to the store, which does not exist: the store's error, not a flag's.
    for (const args of [
      ["fig2b", "--preset", "quick", "--band", "ci"],
      ["curves", "--of", "fig2b", "--preset", "quick"],
      ["curves", "--where", "seed = 0", "--band", "none"],
    ]) {
      const r = nfx(["figure", ...args, "--db", "none.db", "--out", "figs"], dir);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, /none\.db: no such store/, args.join(" "));
    }
    const spp = nfx(["figure", "spp", "--model", "nf-resnet-micro", "--out", "figs", "--format", "json"], dir);
    assert.equal(spp.status, 0, spp.stderr);
  });
});
