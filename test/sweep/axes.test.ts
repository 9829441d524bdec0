// Sweep axes beyond grid/zip/seeds: seeded random draws and exclude/only constraints.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError } from "../../src/core/config/configError.js";
import { expandSweep, loadSweepFile } from "../../src/core/sweep/expand.js";
import { parseSweep } from "../../src/core/sweep/sweepSpec.js";
import { tempDir, writeFile } from "../helpers.js";

describe("sweep axes", () => {
  it("random: n seeded draws within their distributions, the same every time", () => {
    const spec = parseSweep(
      {
        random: {
          n: 20,
          seed: 7,
          "agc.lambda": { loguniform: [0.001, 0.5] },
          optim: { lr: { uniform: [0.05, 0.4] } },
          "train.batch_size": { choice: [64, 128, 256] },
          "train.steps": { randint: [10, 12] },
        },
      },
      "r",
    );
    const runs = expandSweep(spec);
    assert.equal(runs.length, 20);
    for (const r of runs) {
      const c = r.config;
      assert.ok((c.agc.lambda as number) >= 0.001 && (c.agc.lambda as number) <= 0.5);
      assert.ok(c.optim.lr >= 0.05 && c.optim.lr <= 0.4);
      assert.ok([64, 128, 256].includes(c.train.batch_size));
      assert.ok([10, 11, 12].includes(c.train.steps as number));
    }
    assert.deepEqual(
      expandSweep(spec).map((r) => r.hash),
      runs.map((r) => r.hash),
      "seeded",
    );
    const other = expandSweep(
      parseSweep({ random: { n: 20, seed: 8, "agc.lambda": { loguniform: [0.001, 0.5] } } }, "r"),
    );
    assert.notDeepEqual(
      other.map((r) => r.config.agc.lambda),
      runs.map((r) => r.config.agc.lambda),
    );
  });

  it("random crosses with grid and seeds", () => {
    const spec = parseSweep(
      { grid: { "train.batch_size": [64, 256] }, random: { n: 3, "optim.lr": { uniform: [0.1, 0.2] } }, seeds: 2 },
      "r",
    );
    assert.equal(expandSweep(spec).length, 12);
  });

  it("exclude and only: mappings and filter expressions over the resolved config", () => {
    const spec = parseSweep(
      {
        grid: { "agc.lambda": [0.01, 0.16, null], "train.batch_size": [64, 256, 1024] },
        exclude: [{ "agc.lambda": null, "train.batch_size": [1024] }, "agc.lambda > 0.1 and train.batch_size < 128"],
        only: ["train.batch_size != 256 or agc.granularity = 'unit'"],
      },
      "c",
    );
    const points = expandSweep(spec).map((r) => [r.config.agc.lambda, r.config.train.batch_size]);
    assert.equal(points.length, 9 - 1 - 1 - 1);
    assert.ok(!points.some(([l, b]) => l === null && b === 1024));
    assert.ok(!points.some(([l, b]) => l === 0.16 && b === 64));
    assert.ok(!points.some(([l, b]) => l === null && b === 256), "only: no-clipping runs have granularity none");
  });

  it("bad axes name the file position and the key", () => {
    const dir = tempDir();
    const bad = writeFile(dir, "bad.yaml", "grid:\n  agc.lambda: [0.01]\nexclude:\n  - { agc.lamda: 0.01 }\n");
    assert.throws(
      () => loadSweepFile(bad),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.match(
          e.message,
          /bad\.yaml:4:\d+: exclude\[0\]: unknown key 'agc.lamda' \(did you mean 'agc.lambda'\?\)/,
        );
        return true;
      },
    );
    const dist = writeFile(dir, "dist.yaml", "random:\n  n: 2\n  agc.lambda: { logunifrm: [0.1, 1] }\n");
    assert.throws(
      () => loadSweepFile(dist),
      /dist\.yaml:\d+:\d+: random\.agc\.lambda: unknown distribution 'logunifrm' \(did you mean 'loguniform'\?\)/,
    );
    const neg = writeFile(dir, "neg.yaml", "random:\n  n: 2\n  agc.lambda: { uniform: [-1, -0.5] }\n");
    assert.throws(() => loadSweepFile(neg), /neg\.yaml:\d+:\d+: agc\.lambda: must be > 0/);
    const expr = writeFile(dir, "expr.yaml", 'only:\n  - "seed in (1, 2"\n');
    assert.throws(() => loadSweepFile(expr), /expr\.yaml:2:\d+: only\[0\]: at column 14/);
  });

  it("a run's point leaves out the keys its config makes inert: no exclusion label on a run that does not clip", () => {
    const spec = parseSweep(
      { grid: { "agc.lambda": [0.01, null], "agc.exclude": [["classifier_weight"], []] }, seeds: 1 },
      "x",
    );
    const points = expandSweep(spec).map((r) => r.point);
    assert.deepEqual(points, [
      { "agc.lambda": 0.01, "agc.exclude": ["classifier_weight"], seed: 0 },
      { "agc.lambda": 0.01, "agc.exclude": [], seed: 0 },
      { "agc.lambda": null, seed: 0 },
    ]);
  });

  it("a --set of a key another key makes inert in every run is refused, naming why; execution keys pass", () => {
    const spec = parseSweep({ grid: { "agc.lambda": [0.01, 0.16] } }, "x");
    assert.throws(
      () => expandSweep(spec, ["optim.beta1=0.5"]),
      /optim\.beta1: changes no run: optim\.beta1 does not change the run because optim\.name is sgd/,
    );
    assert.equal(expandSweep(spec, ["optim.beta1=0.5", "optim.name=adam"]).length, 2, "read by Adam");
    assert.equal(expandSweep(spec, ["train.micro_batch=16"]).length, 2, "how a run executes, not what it trains");
    const unclipped = parseSweep({ agc: { lambda: null }, seeds: 2 }, "u");
    assert.throws(() => expandSweep(unclipped, ["agc.exclude=[stem_conv]"]), /agc\.exclude: changes no run/);
  });
});
