// optim.name and its keys (issue 26): validated with a clear line, hashed only when the chosen optimizer reads them
// (config/inert.ts rows from optim/table.ts), explained by the sweep, described by `nfx config`.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { describeKeys } from "../../src/core/config/describeKeys.js";
import { configHash, configIdentity, inertKeys } from "../../src/core/config/hash.js";
import { resolveConfig } from "../../src/core/config/resolve.js";
import { OPTIMIZER_KEYS, OPTIMIZER_NAMES, OPTIMIZERS } from "../../src/core/optim/table.js";
import { loadSweepFile } from "../../src/core/sweep/expand.js";
import { noChangeReason } from "../../src/core/sweep/noChange.js";
import { tempDir, writeFile } from "../helpers.js";

const hashOf = (c: unknown) => configHash(resolveConfig(c));

/** A value of each optimizer-specific key other than its default. */
const OTHER: Record<string, unknown> = {
  "optim.momentum": 0.5,
  "optim.nesterov": false,
  "optim.beta1": 0.8,
  "optim.beta2": 0.99,
  "optim.eps": 1e-6,
  "optim.trust": 0.02,
};

describe("optim.name and its keys", () => {
  it("sgd is the default and leaves every hash as before: optim.name and the other optimizers' keys stay out", () => {
    const cfg = resolveConfig({});
    assert.equal(cfg.optim.name, "sgd");
    assert.equal(hashOf({ optim: { name: "sgd" } }), hashOf({}));
    assert.deepEqual(
      Object.keys(configIdentity(cfg)).filter((k) => k.startsWith("optim.")),
      [],
    );
  });

  for (const name of OPTIMIZER_NAMES) {
    it(`${name}: each key it reads changes the run; each key it does not read is inert and explained`, () => {
      const cfg = resolveConfig({ optim: { name } });
      if (name !== "sgd") assert.notEqual(configHash(cfg), hashOf({}), "the optimizer is in the identity");
      for (const key of OPTIMIZER_KEYS) {
        const leaf = key.slice("optim.".length);
        const changed = hashOf({ optim: { name, [leaf]: OTHER[key] } });
        const reads = OPTIMIZERS[name].keys.includes(key);
        assert.equal(changed !== configHash(cfg), reads, `${name} ${key}`);
        assert.equal(inertKeys(cfg).includes(key), !reads, `${name} ${key} inert`);
        if (!reads) assert.match(noChangeReason(cfg, key)?.because ?? "", new RegExp(`optim\\.name is ${name}`));
      }
    });
  }

  it("a sweep axis over a key the optimizer does not read is refused, naming why", () => {
    const file = writeFile(tempDir(), "s.yaml", "name: s\ngrid:\n  optim.beta1: [0.8, 0.9]\n");
    assert.throws(
      () => loadSweepFile(file),
      /s\.yaml:3:3: optim\.beta1: the sweep's grid axis changes no run: optim\.beta1 does not change the run because optim\.name is sgd, which does not read it/,
    );
    const adam = writeFile(tempDir(), "a.yaml", "name: a\noptim: { name: adam }\ngrid:\n  optim.beta1: [0.8, 0.9]\n");
    assert.equal(loadSweepFile(adam).runs.length, 2);
  });

  it("refuses bad values in one line naming the key", () => {
    const bad: [unknown, RegExp][] = [
      [{ optim: { name: "adm" } }, /optim\.name: must be one of sgd, lars, adam, adamw; did you mean 'adam'\?/],
      [{ optim: { beta1: 1 } }, /optim\.beta1: must be < 1 \(got 1\)/],
      [{ optim: { beta2: -0.1 } }, /optim\.beta2: must be ≥ 0/],
      [{ optim: { eps: 0 } }, /optim\.eps: must be > 0/],
      [{ optim: { trust: "big" } }, /optim\.trust: must be a number/],
    ];
    for (const [input, msg] of bad) assert.throws(() => resolveConfig(input), msg, JSON.stringify(input));
  });

  it("nfx config describes each key with what it accepts", () => {
    const byKey = new Map(describeKeys("optim").map((k) => [k.key, k]));
    assert.equal(byKey.get("optim.name")?.accepts, "one of sgd, lars, adam, adamw");
    assert.equal(byKey.get("optim.name")?.default, "sgd");
    assert.equal(byKey.get("optim.beta1")?.accepts, "number ≥ 0, < 1");
    assert.equal(byKey.get("optim.trust")?.default, 1e-3);
    for (const key of OPTIMIZER_KEYS) assert.ok(byKey.get(key)?.doc, key);
    assert.deepEqual(
      describeKeys("trust coefficient").map((k) => k.key),
      ["optim.trust"],
    );
  });
});
