// `nfx config` (alias `nfx keys`): every config key with its default, accepted values and meaning, read from the
// schema, since src/ (where schema.ts lives) is not in the published package.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { allKeys, describeKeys, ruleText } from "../../src/core/config/describeKeys.js";
import { CONFIG_KEYS } from "../../src/core/config/schema.js";

describe("nfx config: the config keys", () => {
  it("lists every schema key with its default and meaning, and the model options", () => {
    const keys = allKeys();
    for (const [key, spec] of Object.entries(CONFIG_KEYS)) {
      const k = keys.find((d) => d.key === key);
      assert.ok(k, `${key} listed`);
      assert.deepEqual(k.default, spec.default, key);
      assert.equal(k.doc, spec.doc, key);
      assert.ok(k.accepts.length > 0, key);
    }
    assert.ok(keys.some((k) => k.key === "model.<option>" && k.accepts.includes("widths")));
    assert.deepEqual(
      describeKeys("agc").map((k) => k.key),
      ["agc.granularity", "agc.lambda", "agc.eps", "agc.exclude"],
    );
    const lambda = describeKeys("LAMBDA");
    assert.deepEqual(lambda, [
      {
        key: "agc.lambda",
        default: 0.01,
        accepts: "number > 0, or null",
        doc: CONFIG_KEYS["agc.lambda"]?.doc,
      },
    ]);
  });

  it("falls back to the meanings, and names a filter that matches nothing", () => {
    assert.ok(describeKeys("Nesterov").some((k) => k.key === "optim.nesterov"));
    assert.ok(describeKeys("mixup").some((k) => k.key === "data.augment.mixup"));
    assert.ok(describeKeys("smoothing").some((k) => k.key === "train.label_smoothing"));
    assert.throws(() => describeKeys("lamda"), /^Error: no config key matches 'lamda' \(did you mean 'lambda'\?\)/);
    assert.equal(describeKeys().length, Object.keys(CONFIG_KEYS).length + 1);
  });

  it("says what each rule accepts", () => {
    assert.equal(ruleText({ kind: "number", integer: true, min: 1, nullable: true }), "integer ≥ 1, or null");
    assert.equal(ruleText({ kind: "number", min: 0, max: 1, exclusiveMin: true }), "number > 0, ≤ 1");
    assert.equal(ruleText({ kind: "enum", values: ["cosine", "constant"] }), "one of cosine, constant");
    assert.equal(ruleText({ kind: "numberOrAuto", min: 1, integer: true }), "integer ≥ 1, or auto");
    assert.equal(
      ruleText({ kind: "stringList", values: ["a", "b"] }),
      "list of: a, b ([a, b], or a,b as tables write it; none: empty)",
    );
  });
});
