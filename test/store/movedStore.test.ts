// A store moved with its directory keeps its checkpoints and final weights (issue 27 item 2): checkpoint rows hold
// paths relative to the store's directory (store/artifactPaths.ts); rows written absolute before that are found
// under the store's new directory by the tail of their old path, verified by the recorded size and SHA-256.
// Through the CLI: a run killed after its checkpoints at steps 10 and 20, its store directory moved, resumes from
// 20 when the sweep runs again; the finished run's weights are found by `nfx weights export` and `nfx eval`.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { sha256File } from "../../src/core/base/files.js";
import { configHash } from "../../src/core/config/hash.js";
import { resolveConfig } from "../../src/core/config/resolve.js";
import { finalWeightsPath } from "../../src/core/runWeights/finalWeights.js";
import { resolveArtifactPath, storedArtifactPath } from "../../src/core/store/artifactPaths.js";
import { checkpointRows, recordCheckpoint } from "../../src/core/store/checkpointRecords.js";
import { thisOwner } from "../../src/core/store/runOwner.js";
import { RunStore } from "../../src/core/store/runStore.js";
import { checkpointDir, findResumePoint } from "../../src/core/sweep/resume.js";
import { bin, nfx, peek } from "../e2e/sweepHelpers.js";
import { tempDir, writeFile } from "../helpers.js";

/** Writes a checkpoint-like file of `size` bytes (content by `step`) and returns its record. */
function fakeCheckpoint(dir: string, name: string, step: number, final = false) {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  fs.writeFileSync(file, Buffer.alloc(64 + step, step));
  return { path: file, step, final, sha256: sha256File(file), bytes: fs.statSync(file).size };
}

describe("a moved store keeps its checkpoints", () => {
  it("records checkpoint paths relative to the store's directory and reads them back absolute", () => {
    const root = tempDir();
    const db = path.join(root, "a", "nfx.db");
    fs.mkdirSync(path.dirname(db));
    assert.equal(
      storedArtifactPath(db, path.join(root, "a", "checkpoints", "nfx.db", "h", "f")),
      "checkpoints/nfx.db/h/f",
    );
    // Outside the store's directory a path stays absolute.
    assert.equal(storedArtifactPath(db, path.join(root, "elsewhere", "f")), path.join(root, "elsewhere", "f"));
    assert.equal(storedArtifactPath(":memory:", "/x/f"), "/x/f");

    const store = RunStore.open(db);
    const cfg = resolveConfig({});
    const hash = configHash(cfg);
    const { id } = store.ensureRun(cfg, hash, null);
    assert.ok(store.claimRun(id, thisOwner(), false));
    const dir = checkpointDir(db, hash);
    for (const step of [10, 20]) {
      const ckpt = fakeCheckpoint(dir, `step-0000${step}.safetensors`, step);
      assert.deepEqual(recordCheckpoint(store, id, thisOwner(), ckpt, 2), []);
    }
    const raw = store.db.prepare("SELECT path FROM artifacts ORDER BY path").all() as { path: string }[];
    assert.deepEqual(
      raw.map((r) => r.path),
      [`checkpoints/nfx.db/${hash}/step-000010.safetensors`, `checkpoints/nfx.db/${hash}/step-000020.safetensors`],
    );
    store.close();

    // mv a b: the run continues from step 20, in b.
    fs.renameSync(path.join(root, "a"), path.join(root, "b"));
    const moved = RunStore.open(path.join(root, "b", "nfx.db"));
    const resume = findResumePoint(moved, id);
    assert.equal(resume?.step, 20);
    assert.equal(resume?.file, path.join(root, "b", "checkpoints", "nfx.db", hash, "step-000020.safetensors"));
    assert.deepEqual(resume?.skipped, []);
    moved.close();
  });

  it("an old absolute row is found under the moved store by its path's tail, only with its recorded SHA-256", () => {
    const root = tempDir();
    const db = path.join(root, "a", "nfx.db");
    fs.mkdirSync(path.dirname(db));
    const store = RunStore.open(db);
    const cfg = resolveConfig({});
    const hash = configHash(cfg);
    const { id } = store.ensureRun(cfg, hash, null);
    const ckpt = fakeCheckpoint(checkpointDir(db, hash), "final.safetensors", 30, true);
    // A row as nfx wrote it before paths were relative: absolute.
    store.db
      .prepare(
        `INSERT INTO artifacts (run_id, kind, path, sha256, bytes, created_at, meta_json)
         VALUES (?, 'checkpoint', ?, ?, ?, '2026-01-01', '{"step":30,"final":true}')`,
      )
      .run(id, ckpt.path, ckpt.sha256, ckpt.bytes);
    store.finishRun(id, "completed", null, null);
    store.close();
    fs.renameSync(path.join(root, "a"), path.join(root, "moved"));

    const moved = RunStore.open(path.join(root, "moved", "nfx.db"));
    const want = path.join(root, "moved", "checkpoints", "nfx.db", hash, "final.safetensors");
    assert.equal(checkpointRows(moved, id)[0]?.path, want);
    const run = moved.getRun(hash);
    assert.ok(run);
    assert.equal(finalWeightsPath(moved, run), want);
    // A file of that name with other contents is not the artifact: the old path comes back (reported gone).
    fs.writeFileSync(want, Buffer.alloc(ckpt.bytes, 7));
    assert.equal(resolveArtifactPath(moved.file, ckpt.path, ckpt.sha256, ckpt.bytes), ckpt.path);
    assert.throws(() => finalWeightsPath(moved, run), /its final weights .* are gone/);
    moved.close();
  });
});

const SWEEP = `name: moved
model: { name: nf-resnet-micro }
data: { name: synthetic, train_size: 64, test_size: 16, image_size: 8 }
train: { steps: 200, batch_size: 8, micro_batch: 8, checkpoint_every: 10, keep_checkpoints: 2, eval_every: 0 }
optim: { lr: 0.2, warmup_epochs: 0 }
`;
const CHECKPOINTED = "SELECT json_extract(meta_json, '$.step') AS step FROM artifacts WHERE kind = 'checkpoint'";

describe("a moved store through the CLI", () => {
  it("killed after checkpoints at 10 and 20, moved, the sweep resumes from 20; weights export and eval find it", async () => {
    const root = tempDir();
    const dir = path.join(root, "a");
    fs.mkdirSync(dir);
    const file = writeFile(dir, "moved.yaml", SWEEP);
    const db = path.join(dir, "nfx.db");
    const common = ["--backend", "wasm", "--jobs", "1", "--out", "figs"];
    const child = spawn(process.execPath, [bin, "sweep", file, "--db", db, ...common, "--quiet"], {
      cwd: dir,
      detached: true,
      stdio: "ignore",
      env: { ...process.env, NFX_DB: "" },
    });
    let over = false;
    const exited = new Promise<void>((resolve) =>
      child.once("exit", () => {
        over = true;
        resolve();
      }),
    );
    const t0 = Date.now();
    // Stop as soon as step 20's checkpoint is recorded (and before a third would replace step 10's).
    while (!peek<{ step: number }>(db, CHECKPOINTED).some((c) => c.step === 20)) {
      if (over || Date.now() - t0 > 300_000)
        throw new Error("the sweep ended, or had no checkpoint at step 20 in 5 min");
      await new Promise((r) => setTimeout(r, 10));
    }
    process.kill(-(child.pid as number), "SIGKILL");
    await exited;
    const steps = peek<{ step: number }>(db, CHECKPOINTED).map((c) => c.step);
    assert.ok(steps.includes(20), `recorded: ${steps.join(", ")}`);

    const to = path.join(root, "b");
    fs.renameSync(dir, to);
    const movedDb = path.join(to, "nfx.db");
    const again = nfx(["sweep", path.join(to, "moved.yaml"), "--db", movedDb, ...common], to);
    assert.equal(again.status, 0, again.stderr);
    const newest = Math.max(...steps);
    assert.match(again.stderr, new RegExp(`resumed from step ${newest} \\(${to}/checkpoints/nfx\\.db/`));
    const run = peek<{ attempts: number; summary_json: string }>(movedDb, "SELECT attempts, summary_json FROM runs")[0];
    assert.equal(run?.attempts, 2);
    assert.equal(JSON.parse(run?.summary_json ?? "{}").resumed_from_step, newest);

    // Finished, moved once more: its final weights are found.
    const last = path.join(root, "c");
    fs.renameSync(to, last);
    const lastDb = path.join(last, "nfx.db");
    const out = path.join(root, "w.safetensors");
    const exp = nfx(["weights", "export", "1", "--db", lastDb, "--out", out, "--json"], root);
    assert.equal(exp.status, 0, exp.stderr);
    assert.ok(fs.statSync(out).size > 0);
    const ev = nfx(["eval", "--weights", "1", "--db", lastDb, "--backend", "wasm", "--json"], root);
    assert.equal(ev.status, 0, ev.stderr);
    assert.equal(JSON.parse(ev.stdout).n, 16);
  });
});
