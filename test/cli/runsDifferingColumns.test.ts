// `nfx runs` shows what the listed runs differ in (issue 27 item 18): runs that differ only in agc.exclude listed
// three identical-looking rows. Each config key whose value is not the same in every listed run gets a column.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { resolveConfig } from "../../src/core/config/resolve.js";
import type { StoredRun } from "../../src/core/store/runStore.js";
import { configKeyCell, differingConfigKeys } from "../../src/ui/differingColumns.js";
import { nfx, root } from "../e2e/sweepHelpers.js";
import { tempDir, writeFile } from "../helpers.js";

const SHOWN = ["model.name", "data.name", "agc.granularity", "agc.lambda", "train.batch_size", "seed"];
const stored = (c: Record<string, unknown>) => ({ config: resolveConfig(c) }) as unknown as StoredRun;

describe("the columns the listed runs differ in", () => {
  it("are the config keys with more than one value, lists compared whole, the always-shown ones left out", () => {
    const runs = [
      stored({ agc: { lambda: 0.01, exclude: ["classifier_weight"] }, seed: 1 }),
      stored({ agc: { lambda: 0.01, exclude: ["classifier_weight", "stem_conv"] }, seed: 2 }),
      stored({ agc: { lambda: 0.16, exclude: ["classifier_weight"] }, optim: { lr: 0.2 }, seed: 1 }),
    ];
    assert.deepEqual(differingConfigKeys(runs, SHOWN).sort(), ["agc.exclude", "optim.lr"]);
    assert.deepEqual(differingConfigKeys(runs.slice(0, 1), SHOWN), []);
    assert.deepEqual(differingConfigKeys([runs[0] as StoredRun, runs[0] as StoredRun], SHOWN), []);
    const models = [
      stored({ model: { name: "nf-resnet-micro", dropout: 0.1 } }),
      stored({ model: { name: "nf-resnet-micro", dropout: 0.2 } }),
    ];
    assert.deepEqual(differingConfigKeys(models, SHOWN), ["model.dropout"]);
    // A key a run's config makes inert is no difference, and prints as —: a run without clipping has no exclusion,
    // and Adam's β1 set under SGD changed nothing.
    const inert = [
      stored({ agc: { lambda: 0.01, exclude: ["classifier_weight"] }, seed: 1 }),
      stored({ agc: { lambda: null, exclude: ["stem_conv"] }, optim: { beta1: 0.5 }, seed: 2 }),
    ];
    assert.deepEqual(differingConfigKeys(inert, SHOWN), []);
    const mixed = [...inert, stored({ agc: { lambda: 0.01, exclude: [] }, optim: { name: "adam", beta1: 0.8 } })];
    // β1 is live in the Adam run only: nothing to differ from.
    assert.deepEqual(differingConfigKeys(mixed, SHOWN).sort(), ["agc.exclude", "optim.name"]);
    assert.deepEqual(
      mixed.map((r) => configKeyCell(r, "optim.beta1")),
      ["—", "—", "0.8"],
    );
    assert.deepEqual(
      mixed.map((r) => configKeyCell(r, "agc.exclude")),
      ["classifier_weight", "—", "none"],
    );
  });

  it("nfx runs lists agc.exclude when the runs differ in it, and not when they do not", () => {
    const dir = tempDir();
    const file = writeFile(
      dir,
      "e.yaml",
      `name: ex
model: { name: nf-resnet-micro }
data: { name: synthetic, train_size: 32, test_size: 16, image_size: 8 }
train: { steps: 1, batch_size: 8 }
agc: { lambda: 0.01 }
grid:
  agc.exclude: [[classifier_weight], [classifier_weight, stem_conv]]
`,
    );
    const db = `${dir}/nfx.db`;
    const r = nfx(["sweep", file, "--db", db, "--backend", "wasm", "--quiet"], root);
    assert.equal(r.status, 0, r.stderr);
    const all = nfx(["runs", "--db", db], root);
    assert.equal(all.status, 0, all.stderr);
    const [header, , first, second] = all.stdout.split("\n");
    assert.match(header ?? "", / seed +agc\.exclude +steps /);
    assert.match(first ?? "", / classifier_weight +1\/1 /);
    assert.match(second ?? "", / classifier_weight,stem_conv +1\/1 /);
    const one = nfx(["runs", "--db", db, "--where", "id = 1"], root);
    assert.doesNotMatch(one.stdout, /agc\.exclude/);
  });
});
