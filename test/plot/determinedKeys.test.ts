// Group labels drop keys that other keys determine; where a micro-batch and a model determine each other (fig2a: the
// BN-ResNet's ghost batch norm at micro-batch 64 beside NF-ResNets at auto), the label keeps the model.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type RunRow, withoutDetermined } from "../../src/core/plot/runRows.js";

describe("withoutDetermined", () => {
  const rows: RunRow[] = [
    { "model.name": "bn-resnet-micro", "train.micro_batch": 64, "agc.lambda": null },
    { "model.name": "nf-resnet-micro", "train.micro_batch": "auto", "agc.lambda": null },
    { "model.name": "nf-resnet-micro", "train.micro_batch": "auto", "agc.lambda": 0.01 },
  ] as unknown as RunRow[];

  it("drops the execution key, not the model, whichever order the keys come in", () => {
    for (const keys of [
      ["model.name", "train.micro_batch", "agc.lambda"],
      ["train.micro_batch", "model.name", "agc.lambda"],
    ]) {
      assert.deepEqual(withoutDetermined(rows, keys, []), ["model.name", "agc.lambda"]);
    }
  });

  it("keeps a key that splits a group (λ is not determined by the model)", () => {
    assert.deepEqual(withoutDetermined(rows, ["agc.lambda"], ["model.name"]), ["agc.lambda"]);
  });
});
