// A disk that fills during a sweep (issue 27 item 4, optuna#5011): the store stays intact and the sweep exits 1 — a
// failure — not 2, which is kept for bad input. The kind: every failure of the machine rather than the input (a
// full disk or quota, an I/O error, memory or descriptors running out, the store locked too long, runs left
// unfinished) exits 1, whether it comes as an errno code, an SQLite code, or only as its text; bad input still 2.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { StoreBusyError } from "../../src/core/store/connection.js";
import { describeFailure, failWith, NfxError, runtimeFailure } from "../../src/ui/errors.js";
import { nfx, peek } from "../e2e/sweepHelpers.js";
import { tempDir, writeFile } from "../helpers.js";

/** An Error with an errno-style code, as node:fs and better-sqlite3 throw them. */
function coded(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

/** The exit status a command that fails with `err` (through failWith) ends with. */
function statusOf(err: unknown): number {
  try {
    failWith({} as Parameters<typeof failWith>[0], err);
  } catch (wrapped) {
    return describeFailure(wrapped).exitStatus;
  }
  throw new Error("failWith returned");
}

describe("failures of the machine exit 1, bad input 2", () => {
  it("a full disk, I/O, memory, descriptors and a locked store are failures, whatever carries them", () => {
    const failures = [
      coded("ENOSPC: no space left on device, write", "ENOSPC"),
      coded("EDQUOT: disk quota exceeded, write", "EDQUOT"),
      coded("EIO: i/o error, read", "EIO"),
      coded("EMFILE: too many open files, open 'x'", "EMFILE"),
      coded("database or disk is full", "SQLITE_FULL"),
      coded("disk I/O error", "SQLITE_IOERR_WRITE"),
      new StoreBusyError("nfx.db", "claiming run 1", 30_000),
      // Only the text came through (a worker's error relayed), or the errno is a cause of what was thrown.
      new Error("run 3 failed: ENOSPC: no space left on device, write"),
      new Error("saving the checkpoint", { cause: coded("ENOSPC: no space left on device", "ENOSPC") }),
    ];
    for (const err of failures) {
      assert.equal(runtimeFailure(err), true, err.message);
      assert.equal(statusOf(err), 1, err.message);
    }
  });

  it("bad input stays 2: a missing file, a denied path, a corrupt store, a fault nfx names", () => {
    const input = [
      coded("ENOENT: no such file or directory, open 'sweep.yaml'", "ENOENT"),
      coded("EACCES: permission denied, open 'nfx.db'", "EACCES"),
      coded("file is not a database", "SQLITE_NOTADB"),
      new Error("seed: must be ≤ 4294967295 (got 4294967296)"),
      new NfxError("unknown run 12"),
    ];
    for (const err of input) {
      assert.equal(runtimeFailure(err), false, err.message);
      assert.equal(statusOf(err), 2, err.message);
    }
  });

  it("a sweep whose disk fills exits 1 with one line; the store keeps what it finished", (t) => {
    const mnt = tempDir("nfx-full-");
    // A 2 MiB tmpfs: needs root and a kernel that lets this process mount (not CI's runners, which the unit tests
    // above cover); the probe ran here by hand and with this test.
    const mount = spawnSync("mount", ["-t", "tmpfs", "-o", "size=2m", "tmpfs", mnt], { encoding: "utf8" });
    if (mount.status !== 0) {
      t.skip(`cannot mount a small tmpfs here (${(mount.stderr || mount.error?.message || "").trim()})`);
      return;
    }
    try {
      const sweep = writeFile(
        mnt,
        "full.yaml",
        `name: full
model: { name: nf-resnet-micro }
data: { name: synthetic, train_size: 64, test_size: 16, image_size: 8 }
train: { steps: 60, batch_size: 8, micro_batch: 8, checkpoint_every: 10, keep_checkpoints: 2, eval_every: 0 }
optim: { lr: 0.2, warmup_epochs: 0 }
grid:
  agc.lambda: [0.01, 0.02, 0.04, 0.08, 0.16, 0.32]
`,
      );
      const db = path.join(mnt, "nfx.db");
      const r = nfx(["sweep", sweep, "--db", db, "--backend", "wasm", "--jobs", "1", "--out", "figs", "--quiet"], mnt);
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, /^nfx: error: .*(disk is full|ENOSPC|no space left)/im);
      assert.equal(r.stderr.trim().split("\n").length <= 2, true, r.stderr);
      const ok = peek<{ n: number }>(db, "SELECT count(*) AS n FROM runs WHERE status = 'completed'")[0];
      const check = peek<{ integrity_check: string }>(db, "PRAGMA integrity_check")[0];
      assert.equal(check?.integrity_check, "ok");
      assert.ok((ok?.n ?? 0) < 6, "the disk filled before the sweep ended");
      assert.ok(fs.existsSync(db));
    } finally {
      spawnSync("umount", [mnt]);
    }
  });
});
