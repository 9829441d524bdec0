// `nfx runs rm` removes a run's checkpoint files with its rows (core/sweep/resume.ts deleteRunsAndCheckpoints):
// checkpoints live in checkpoints/<store file name>/<config hash>/ beside the store and would otherwise be left behind, unrecorded.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { configHash } from "../../src/core/config/hash.js";
import { resolveConfig } from "../../src/core/config/resolve.js";
import { RunStore } from "../../src/core/store/runStore.js";
import { checkpointDir, deleteRunsAndCheckpoints } from "../../src/core/sweep/resume.js";
import { tempDir } from "../helpers.js";

describe("deleting runs removes their checkpoints", () => {
  it("two stores in one directory keep their checkpoints apart, even for one config", () => {
    const dir = tempDir();
    const hash = configHash(resolveConfig({}));
    const a = checkpointDir(path.join(dir, "a.db"), hash);
    const b = checkpointDir(path.join(dir, "b.db"), hash);
    assert.notEqual(a, b);
    assert.equal(a, path.join(dir, "checkpoints", "a.db", hash));
  });

  it("the deleted run's checkpoint directory goes, another run's stays", () => {
    const db = path.join(tempDir(), "nfx.db");
    const store = RunStore.open(db);
    try {
      const [a, b] = [1, 2].map((seed) => {
        const cfg = resolveConfig({ seed });
        const hash = configHash(cfg);
        return { id: store.ensureRun(cfg, hash, null).id, config_hash: hash };
      });
      assert.ok(a && b);
      for (const run of [a, b]) {
        const dir = checkpointDir(db, run.config_hash);
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(path.join(dir, "final.safetensors"), Buffer.alloc(1000));
      }
      const out = deleteRunsAndCheckpoints(store, [a]);
      assert.deepEqual(out, { deleted: 1, checkpointBytes: 1000 });
      assert.equal(fs.existsSync(checkpointDir(db, a.config_hash)), false);
      assert.ok(fs.existsSync(path.join(checkpointDir(db, b.config_hash), "final.safetensors")));
      assert.equal(store.getRun(a.config_hash) ?? null, null);
      assert.ok(store.getRun(b.config_hash));
    } finally {
      store.close();
    }
  });
});
