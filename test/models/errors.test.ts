// Bad model configs are refused with one line that names the fault.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MODEL_NAMES, resolveModelSpec } from "../../src/core/models/index.js";

function fault(cfg: { name: string; [k: string]: unknown }): string {
  try {
    resolveModelSpec(cfg);
  } catch (err) {
    assert.ok(err instanceof Error);
    assert.ok(!err.message.includes("\n"), `one line: ${err.message}`);
    return err.message;
  }
  assert.fail(`${JSON.stringify(cfg)} was accepted`);
}

describe("resolveModelSpec refuses bad input", () => {
  it("an unknown name lists the known ones and suggests the closest", () => {
    const msg = fault({ name: "nfnet-fo" });
    assert.match(msg, /unknown model 'nfnet-fo'/);
    assert.match(msg, /did you mean 'nfnet-f0'/);
    for (const n of MODEL_NAMES) assert.ok(msg.includes(n), `lists ${n}`);
  });

  it("widths whose bottleneck is not divisible by the group width", () => {
    const msg = fault({ name: "nfnet-micro", widths: [64, 100, 256] });
    assert.match(msg, /stage 2 bottleneck width 50 .* not divisible by group width 16/);
  });

  it("an empty stage", () => {
    assert.match(fault({ name: "nf-resnet-micro", depths: [1, 0, 1] }), /stage 2 is empty/);
  });

  it("stage lists of different lengths", () => {
    assert.match(fault({ name: "nf-resnet-micro", depths: [1, 1] }), /one entry per stage \(got 2, 3, 3\)/);
  });

  it("an unknown option, with a suggestion", () => {
    assert.match(fault({ name: "nf-resnet-micro", depth: [1, 1, 1] }), /unknown model option 'depth'.*'depths'/);
  });

  it("a value of the wrong type or range", () => {
    assert.match(fault({ name: "nf-resnet-micro", activation: "swish" }), /'activation' must be one of/);
    assert.match(fault({ name: "nf-resnet-micro", dropout: 1 }), /'dropout' must be a number in \[0, 1\)/);
    assert.match(fault({ name: "nf-resnet-micro", widths: "32,64" }), /'widths' must be a non-empty list/);
  });
});

describe("user-defined variants", () => {
  it("overrides apply, accept snake_case, and rename the model `custom`", () => {
    const spec = resolveModelSpec({
      name: "nfnet-micro",
      depths: [2, 2, 2],
      group_width: 32,
      activation: "relu",
      se: false,
      stoch_depth: 0,
    });
    assert.equal(spec.name, "custom");
    assert.equal(spec.base, "nfnet-micro");
    assert.deepEqual(spec.depths, [2, 2, 2]);
    assert.equal(spec.groupWidth, 32);
    assert.equal(spec.activation, "relu");
    assert.equal(spec.se, false);
  });

  it("the table row is not mutated by overrides", () => {
    resolveModelSpec({ name: "nf-resnet-micro", depths: [4, 4, 4] });
    assert.deepEqual(resolveModelSpec({ name: "nf-resnet-micro" }).depths, [1, 1, 1]);
  });
});
