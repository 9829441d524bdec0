// Configs and sweep files that cannot run as written, through the real CLI: refused at once with one line naming
// the key (and file:line), non-zero exit, nothing written; points that are one run are said to be one run.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { tempDir, writeFile } from "../helpers.js";
import { nfx, root } from "./sweepHelpers.js";

/** oclif wraps long lines at the terminal width: undo that before matching. */
function flat(text: string): string {
  return text.replace(/\s*\n\s*›\s*/g, " ");
}

const QUICKSTART = path.join(root, "configs/quickstart.yaml");

describe("configs that cannot run are refused before anything runs", () => {
  it("nfx run of a config that can make no step returns at once, naming the keys", () => {
    const dir = tempDir();
    const r = nfx(["run", "--set", "data.train_size=100", "--set", "train.batch_size=256", "--db", "x.db"], dir);
    assert.equal(r.status, 2, r.stderr);
    assert.match(flat(r.stderr), /--set: .*train\.batch_size 256 is larger than the training split.*data\.train_size/);
    assert.equal(fs.existsSync(path.join(dir, "x.db")), false, "nothing written");
  });

  it("--set of a swept key is refused by the sweep and its dry run, naming the axis", () => {
    const dir = tempDir();
    for (const extra of [[], ["--dry-run"]]) {
      const r = nfx(["sweep", QUICKSTART, "--set", "agc.lambda=0.02", "--db", "x.db", ...extra], dir);
      assert.equal(r.status, 2, r.stderr);
      assert.match(
        flat(r.stderr),
        /--set: agc\.lambda: is swept by the sweep's grid axis \(.*quickstart\.yaml:\d+:\d+\)/,
      );
    }
    assert.equal(fs.existsSync(path.join(dir, "x.db")), false);
  });

  it("the dry run refuses what the run refuses; degenerate files and unsafe names are refused", () => {
    const dir = tempDir();
    const mnist = nfx(["sweep", QUICKSTART, "--dry-run", "--set", "data.name=mnist", "--db", "x.db"], dir);
    assert.equal(mnist.status, 2, mnist.stderr);
    assert.match(flat(mnist.stderr), /--set: data\.name: must be one of fashion-mnist/);
    const empty = nfx(["sweep", writeFile(dir, "empty.yaml", ""), "--db", "x.db"], dir);
    assert.equal(empty.status, 2, empty.stderr);
    assert.match(flat(empty.stderr), /empty\.yaml:1:1: the file sets no config key and no axis/);
    for (const name of ["ablation/lr", "../../escaped", "n".repeat(5000)]) {
      const file = writeFile(dir, "named.yaml", `name: ${name}\nmodel: { name: nf-resnet-micro }\n`);
      const r = nfx(["sweep", file, "--db", "x.db", "--out", "figs"], dir);
      assert.equal(r.status, 2, r.stderr);
      assert.match(flat(r.stderr), /named\.yaml:1:1: name: /);
    }
    assert.equal(fs.existsSync(path.join(dir, "x.db")), false, "nothing trained or written");
    assert.equal(fs.existsSync(path.join(dir, "figs")), false);
  });

  it("the dry run says which points are one run", () => {
    const dir = tempDir();
    // Exclusions matter only where λ clips: at λ = none the two exclusion points are one run.
    const file = writeFile(
      dir,
      "ex.yaml",
      "model: { name: nf-resnet-micro }\ngrid:\n  agc.lambda: [null, 0.01]\n" +
        "  agc.exclude: [[], [classifier_weight]]\n",
    );
    const r = nfx(["sweep", file, "--dry-run", "--db", "x.db"], dir);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /ex: 3 runs \(1 point is a repeat of these runs\)|ex: 3 runs \(1 point/);
    assert.match(flat(r.stderr), /agc\.exclude does not change the run because clipping is off/);
    const json = nfx(["sweep", file, "--dry-run", "--json", "--db", "x.db"], dir);
    const planned = (JSON.parse(json.stdout) as { runs: { same_run_points: { differing_keys: string[] }[] }[] }).runs;
    assert.equal(planned.length, 3);
    assert.deepEqual(
      planned.flatMap((p) => p.same_run_points.map((q) => q.differing_keys)),
      [["agc.exclude"]],
    );
  });

  it("an axis that changes no run at all is refused naming the cause", () => {
    const dir = tempDir();
    const file = writeFile(
      dir,
      "ex.yaml",
      "model: { name: nf-resnet-micro }\nagc: { lambda: null }\ngrid:\n" +
        "  agc.exclude: [[], [classifier_weight], [classifier_weight, stem_conv]]\n",
    );
    const r = nfx(["sweep", file, "--dry-run", "--db", "x.db"], dir);
    assert.equal(r.status, 2, r.stderr);
    assert.match(flat(r.stderr), /ex\.yaml:4:3: agc\.exclude: the sweep's grid axis changes no run: .*clipping is off/);
  });
});
