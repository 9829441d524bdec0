// One key set by two axes of a sweep file (issue 27, item 7: hydra#3106): refused naming both places, never one
// axis's values silently dropped. The base config and an axis may share a key (the axis sets it per point).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError } from "../../src/core/config/configError.js";
import { expandSweep, loadSweepFile } from "../../src/core/sweep/expand.js";
import { parseSweep } from "../../src/core/sweep/sweepSpec.js";
import { tempDir, writeFile } from "../helpers.js";

const MODEL = "model: { name: nf-resnet-micro }\n";

/** The message of the ConfigError loading `text` throws. */
function refusal(name: string, text: string): string {
  const file = writeFile(tempDir(), name, text);
  try {
    loadSweepFile(file);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.message;
  }
  assert.fail(`${name} was accepted`);
}

describe("a key swept by two axes is refused, naming both places", () => {
  it("the issue's probes: grid and zip, grid and random, a seed axis and seeds", () => {
    const gz = refusal(
      "gz.yaml",
      `${MODEL}grid:\n  train.batch_size: [64, 256]\nzip:\n  train.batch_size: [128, 512]\n  optim.lr: [0.1, 0.2]\n`,
    );
    assert.match(
      gz,
      /gz\.yaml:5:3: train\.batch_size: is swept by two axes, grid \(.*gz\.yaml:3:3\) and zip \(.*gz\.yaml:5:3\)/,
    );
    const gr = refusal(
      "gr.yaml",
      `${MODEL}grid:\n  agc.lambda: [0.01, 0.02]\nrandom:\n  n: 2\n  agc.lambda: { loguniform: [0.01, 0.1] }\n`,
    );
    assert.match(
      gr,
      /gr\.yaml:6:3: agc\.lambda: is swept by two axes, grid \(.*gr\.yaml:3:3\) and random \(.*gr\.yaml:6:3\)/,
    );
    const gs = refusal("gs.yaml", `${MODEL}grid:\n  seed: [5, 6]\nseeds: 2\n`);
    assert.match(gs, /gs\.yaml:4:1: seed: is swept by two axes, grid \(.*gs\.yaml:3:3\) and seeds \(.*gs\.yaml:4:1\)/);
  });

  it("own tries: zip and seeds, random and zip, nested and dotted spellings, a section and its key", () => {
    assert.match(
      refusal("zs.yaml", `${MODEL}zip:\n  seed: [5, 6]\n  optim.lr: [0.1, 0.2]\nseeds: [1]\n`),
      /seed: is swept by two axes, zip .* and seeds/,
    );
    assert.match(
      refusal(
        "rz.yaml",
        `${MODEL}zip:\n  optim: { lr: [0.1, 0.2] }\nrandom:\n  n: 2\n  optim: { lr: { uniform: [0.1, 0.2] } }\n`,
      ),
      /rz\.yaml:6:12: optim\.lr: is swept by two axes, zip \(.*rz\.yaml:3:12\) and random \(.*rz\.yaml:6:12\)/,
    );
    assert.match(
      refusal("dup.yaml", `${MODEL}grid:\n  train.batch_size: [64]\n  train: { batch_size: [128] }\n`),
      /dup\.yaml:4:12: train\.batch_size: is written twice in grid \(.*dup\.yaml:3:3 and .*dup\.yaml:4:12\)/,
    );
    assert.match(
      refusal("base.yaml", `${MODEL}agc.lambda: 0.1\nagc: { lambda: 0.2 }\n`),
      /agc\.lambda: is written twice in the base config/,
    );
    assert.match(
      refusal(
        "pre.yaml",
        `${MODEL}grid:\n  model: [{ name: nf-resnet-micro }]\nzip:\n  model.name: [nf-resnet-micro]\n`,
      ),
      /model\.name: is swept by two axes, grid .* and zip/,
    );
  });

  it("every pair is reported at once", () => {
    const both = refusal(
      "two.yaml",
      `${MODEL}grid:\n  seed: [5, 6]\n  optim.lr: [0.1]\nzip:\n  optim.lr: [0.2]\nseeds: 2\n`,
    );
    assert.equal(both.split("\n").length, 2, both);
  });

  it("an axis may sweep a key the base config sets: the axis's value runs", () => {
    const spec = parseSweep(
      { model: { name: "nf-resnet-micro" }, agc: { lambda: 0.5 }, grid: { "agc.lambda": [0.01, 0.02] } },
      "b",
    );
    assert.deepEqual(
      expandSweep(spec).map((r) => r.config.agc.lambda),
      [0.01, 0.02],
    );
    // random.seed is the draws' seed, not the run seed: no conflict with seeds.
    const r = parseSweep(
      {
        model: { name: "nf-resnet-micro" },
        random: { n: 2, seed: 3, "optim.lr": { uniform: [0.1, 0.2] } },
        seeds: [5, 6],
      },
      "r",
    );
    assert.deepEqual(
      expandSweep(r).map((x) => x.config.seed),
      [5, 6, 5, 6],
    );
  });
});
