import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError } from "../../src/core/config/configError.js";
import { configHash } from "../../src/core/config/hash.js";
import { resolveConfig } from "../../src/core/config/resolve.js";
import { CONFIG_KEYS } from "../../src/core/config/schema.js";
import { parseSetOverride } from "../../src/core/config/setOverride.js";
import { expandSweep, loadSweepFile } from "../../src/core/sweep/expand.js";
import { parseSweep } from "../../src/core/sweep/sweepSpec.js";
import { tempDir, writeFile } from "../helpers.js";

describe("config resolution", () => {
  it("fills every default from the schema", () => {
    const cfg = resolveConfig({});
    assert.equal(cfg.agc.lambda, CONFIG_KEYS["agc.lambda"]?.default);
    assert.equal(cfg.agc.eps, 1e-3);
    assert.deepEqual(cfg.agc.exclude, ["classifier_weight"]);
    assert.equal(cfg.optim.momentum, 0.9);
    assert.equal(cfg.optim.nesterov, true);
    assert.equal(cfg.train.label_smoothing, 0.1);
    assert.equal(cfg.optim.weight_decay, 2e-5);
  });

  it("treats λ = null and granularity none as the same run", () => {
    const a = resolveConfig({ agc: { lambda: null } });
    const b = resolveConfig({ agc: { granularity: "none" } });
    assert.deepEqual(a.agc, b.agc);
    assert.equal(configHash(a), configHash(b));
  });

  it("hashes canonically: key order does not matter, values do", () => {
    const a = resolveConfig({ train: { batch_size: 64 }, agc: { lambda: 0.02 } });
    const b = resolveConfig({ agc: { lambda: 0.02 }, train: { batch_size: 64 } });
    const c = resolveConfig({ agc: { lambda: 0.04 }, train: { batch_size: 64 } });
    assert.equal(configHash(a), configHash(b));
    assert.notEqual(configHash(a), configHash(c));
    assert.match(configHash(a), /^[0-9a-f]{16}$/);
  });

  it("rejects bad values and unknown keys with the key named", () => {
    assert.throws(() => resolveConfig({ agc: { lambda: -1 } }), /agc\.lambda: must be > 0 \(got -1\)/);
    assert.throws(() => resolveConfig({ agc: { eps: 0 } }), /agc\.eps: must be > 0/);
    assert.throws(
      () => resolveConfig({ agc: { lamda: 0.1 } }),
      /agc\.lamda: unknown key \(did you mean 'agc\.lambda'\?\)/,
    );
    assert.throws(() => resolveConfig({ train: { batch_size: 1.5 } }), /train\.batch_size: must be an integer/);
    assert.throws(() => resolveConfig({ agc: { granularity: "channel" } }), /must be one of unit, layer, global, none/);
  });

  it("parses --set overrides with dotted keys", () => {
    assert.deepEqual(parseSetOverride("agc.lambda=0.02"), ["agc.lambda", 0.02]);
    // `none` is read as in a YAML file, the text none; a nullable number key takes it as null.
    assert.deepEqual(parseSetOverride("agc.lambda=none"), ["agc.lambda", "none"]);
    assert.equal(resolveConfig({ agc: { lambda: "none" } }).agc.lambda, null);
    assert.deepEqual(parseSetOverride('agc.exclude=["stem_conv"]'), ["agc.exclude", ["stem_conv"]]);
    // Written as in a YAML file: unquoted flow lists, exponents, plain strings.
    assert.deepEqual(parseSetOverride("agc.exclude=[classifier_weight, skip_gain]"), [
      "agc.exclude",
      ["classifier_weight", "skip_gain"],
    ]);
    assert.deepEqual(parseSetOverride("agc.eps=1e-3"), ["agc.eps", 0.001]);
    assert.deepEqual(parseSetOverride("train.micro_batch=auto"), ["train.micro_batch", "auto"]);
    assert.deepEqual(parseSetOverride("data.path=/data/my images"), ["data.path", "/data/my images"]);
    assert.throws(() => parseSetOverride("train.batchsize=3"), /did you mean 'train\.batch_size'/);
  });
});

describe("sweep expansion", () => {
  it("expands a grid as a cartesian product in the order written", () => {
    const spec = parseSweep(
      { model: { name: "nf-resnet-micro" }, grid: { "agc.lambda": [0.01, 0.16, null], "train.batch_size": [64, 256] } },
      "t",
    );
    const runs = expandSweep(spec);
    assert.equal(runs.length, 6);
    assert.deepEqual(
      runs.map((r) => [r.config.agc.lambda, r.config.train.batch_size]),
      [
        [0.01, 64],
        [0.01, 256],
        [0.16, 64],
        [0.16, 256],
        [null, 64],
        [null, 256],
      ],
    );
    assert.equal(new Set(runs.map((r) => r.hash)).size, 6);
    assert.deepEqual(runs[4]?.config.agc, {
      granularity: "none",
      lambda: null,
      eps: 1e-3,
      exclude: ["classifier_weight"],
    });
  });

  it("moves zip lists together and replicates over seeds", () => {
    const spec = parseSweep(
      {
        zip: { "train.batch_size": [256, 1024], "optim.lr": [0.1, 0.4] },
        seeds: 3,
        grid: { "agc.lambda": [0.01, 0.02] },
      },
      "t",
    );
    const runs = expandSweep(spec);
    assert.equal(runs.length, 2 * 2 * 3);
    for (const r of runs) assert.equal(r.config.optim.lr, r.config.train.batch_size === 256 ? 0.1 : 0.4);
    assert.deepEqual([...new Set(runs.map((r) => r.config.seed))], [0, 1, 2]);
  });

  it("collapses points that resolve to the same config", () => {
    const spec = parseSweep({ grid: { "agc.lambda": [null, 0.01], "agc.granularity": ["none", "unit"] } }, "t");
    // (null, none), (null, unit) and (0.01, none) are all "no clipping": one run; (0.01, unit) is another.
    assert.equal(expandSweep(spec).length, 2);
  });

  it("applies --set overrides over every point", () => {
    const spec = parseSweep({ grid: { "train.batch_size": [64, 256] } }, "t");
    const runs = expandSweep(spec, ["agc.lambda=0.02", "train.epochs=2"]);
    assert.ok(runs.every((r) => r.config.agc.lambda === 0.02 && r.config.train.epochs === 2));
  });

  it("blames --set, not the file line it replaced, for a bad override", () => {
    const dir = tempDir();
    const file = writeFile(dir, "s.yaml", "model:\n  name: nf-resnet-micro\nagc:\n  lambda: 0.01\n");
    assert.throws(
      () => loadSweepFile(file, ["agc.lambda=-1"]),
      (e: unknown) => e instanceof ConfigError && /^--set: agc\.lambda: must be > 0/.test(e.message),
    );
  });

  it("names file:line:col for faults in a sweep file", () => {
    const dir = tempDir();
    const bad = writeFile(dir, "bad.yaml", "model:\n  name: nf-resnet-micro\ngrid:\n  agc.lambda: [0.01, -2]\n");
    assert.throws(
      () => loadSweepFile(bad),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.match(e.message, /bad\.yaml:4:3: agc\.lambda: must be > 0 \(got -2\)/);
        return true;
      },
    );
    const malformed = writeFile(dir, "malformed.yaml", "model:\n  name: [unclosed\ngrid: {\n");
    assert.throws(() => loadSweepFile(malformed), /malformed\.yaml:\d+:\d+: malformed YAML/);
    const unknown = writeFile(dir, "unknown.yaml", "train:\n  batch_sise: 3\n");
    assert.throws(
      () => loadSweepFile(unknown),
      /unknown\.yaml:2:3: train\.batch_sise: unknown key \(did you mean 'train\.batch_size'\?\)/,
    );
    assert.throws(() => loadSweepFile(`${dir}/missing.yaml`), /missing\.yaml: cannot read config: no such file/);
  });
});
