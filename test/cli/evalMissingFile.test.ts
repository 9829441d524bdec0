// `nfx eval --weights PATH` with a path that does not exist says "no such file" (not "no such store" or "not a run
// id"): a path is told from a run reference by a separator or a weights extension.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, it } from "node:test";
import { bin, root } from "../e2e/sweepHelpers.js";
import { tempDir } from "../helpers.js";

describe("nfx eval --weights with a missing file", () => {
  for (const weights of [path.join(tempDir(), "nonexist.safetensors"), "missing.npz", "dir/weights"]) {
    it(`${weights}: one line saying no such file, exit non-zero`, () => {
      const db = path.join(tempDir(), "none.db");
      const res = spawnSync(
        process.execPath,
        [bin, "eval", "--weights", weights, "--model", "nf-resnet-micro", "--db", db],
        {
          cwd: root,
          encoding: "utf8",
          timeout: 60_000,
        },
      );
      assert.notEqual(res.status, 0);
      assert.match(
        res.stderr,
        new RegExp(`--weights ${weights.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}: no such file`),
      );
      assert.doesNotMatch(res.stderr, /no such store|not a run id/);
    });
  }
});
