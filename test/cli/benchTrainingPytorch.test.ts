// `nfx bench training --pytorch`: the PyTorch step exists only for nf-resnet-micro at 28×28×1, so other shapes are
// refused with one line naming the flag, before any backend starts or anything is timed.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import { bin, root } from "../e2e/sweepHelpers.js";

describe("nfx bench training --pytorch", () => {
  for (const extra of [
    ["--model", "nfnet-micro"],
    ["--px", "32"],
    ["--channels", "3"],
  ]) {
    it(`refuses ${extra.join(" ")}: one line naming --pytorch, non-zero exit`, () => {
      const res = spawnSync(process.execPath, [bin, "bench", "training", "--pytorch", ...extra, "--json"], {
        cwd: root,
        encoding: "utf8",
        timeout: 60_000,
      });
      assert.notEqual(res.status, 0);
      const doc = JSON.parse(res.stdout) as { error?: { message?: string } };
      assert.match(JSON.stringify(doc), /--pytorch: the PyTorch step exists for --model nf-resnet-micro/);
      assert.doesNotMatch(res.stdout + res.stderr, /backend wasm|img\/s/, "nothing was timed");
    });
  }
  it("refuses a micro-batch larger than the batch: one line naming --micro, exit 2, nothing timed", () => {
    const res = spawnSync(process.execPath, [bin, "bench", "training", "--batch", "8", "--micro", "16", "--profile"], {
      cwd: root,
      encoding: "utf8",
      timeout: 60_000,
    });
    assert.equal(res.status, 2, res.stderr);
    assert.match(res.stderr, /--micro 16: a micro-batch cannot be larger than the batch \(--batch 8\)/);
    assert.doesNotMatch(res.stdout + res.stderr, /backend wasm|img\/s/, "nothing was timed");
  });
});
