// A 10-step smoke run stored `collapsed` (issue 27 item 20): `nfx runs` names the half of the collapse rule that
// judged it, the listing and the sweep say how to train it again, and `nfx runs rm` then the sweep does.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { classifyCollapse } from "../../src/core/train/outcome.js";
import { tempDir, writeFile } from "../helpers.js";
import { nfx, peek, root } from "./sweepHelpers.js";

// Learning rate 1e-6: ten steps leave the loss at ln(10) and test top-1 at 12.5% (chance + 2.5 pp) on seed 0.
const SMOKE = `name: smoke
model: { name: nf-resnet-micro }
data: { name: synthetic, train_size: 64, test_size: 200, image_size: 8 }
train: { steps: 10, batch_size: 8 }
optim: { lr: 0.000001, warmup_epochs: 0 }
`;

describe("a collapsed smoke run", () => {
  it("names its rule in the run's line and can be trained again", () => {
    const dir = tempDir();
    const file = writeFile(dir, "smoke.yaml", SMOKE);
    const db = `${dir}/nfx.db`;
    const args = ["--db", db, "--backend", "wasm"];
    const first = nfx(["sweep", file, ...args], root);
    assert.equal(first.status, 0, first.stderr);
    const runs = nfx(["runs", "--db", db], root);
    const line = runs.stdout.split("\n").find((l) => /^1 /.test(l)) ?? "";
    assert.match(line, /^1 +[0-9a-f]{10} +collapsed: at chance, not learning +nf-resnet-micro/);
    assert.match(
      runs.stdout,
      /a sweep does not train it again\. Why: nfx runs show 1\. To train again: nfx runs rm 1 --yes/,
    );
    const again = nfx(["sweep", file, ...args], root);
    assert.match(again.stdout, /smoke: 1 collapsed \(0 run now, 1 skipped\)/);
    assert.match(again.stdout, /`nfx runs rm ID --yes` then `nfx sweep .*smoke\.yaml` trains one again/);
    const rm = nfx(["runs", "rm", "1", "--yes", "--db", db], root);
    assert.equal(rm.status, 0, rm.stderr);
    const rerun = nfx(["sweep", file, ...args], root);
    assert.match(rerun.stdout, /smoke: 1 collapsed \(1 run now, 0 skipped\)/);
    const stored = peek<{ attempts: number; error: string }>(db, "SELECT attempts, error FROM runs");
    assert.equal(stored.length, 1);
    assert.equal(stored[0]?.attempts, 1, "a new run, trained from scratch");
    assert.match(stored[0]?.error ?? "", /^collapse rule "at chance, not learning" \(runs of 10\+ steps\): /);
  });

  it("the collapse rule names the half that judged a run", () => {
    const lnC = Math.log(10);
    const spike = [2.3, 1.5, 1.2, 9, ...Array(20).fill(lnC)];
    assert.equal(classifyCollapse({ losses: spike, top1: 0.4, numClasses: 10 })?.rule, "flat after a spike");
    const stuck = Array(12).fill(lnC);
    assert.equal(classifyCollapse({ losses: stuck, top1: 0.11, numClasses: 10 })?.rule, "at chance, not learning");
    assert.match(
      classifyCollapse({ losses: spike, top1: 0.4, numClasses: 10 })?.reason ?? "",
      /^collapse rule "flat after a spike": /,
    );
  });
});
