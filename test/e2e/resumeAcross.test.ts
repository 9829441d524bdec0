// A run interrupted and resumed (issue 27 items 13 and 19), through the CLI: its stored duration_s is its whole
// training time (both attempts), the resumed attempt's end reports its own time, the total and the steps it trained;
// and a checkpoint that another backend wrote is continued with one line saying so and the run's summary recording
// it (`resumed_from_backend`). The other backend is named in the checkpoint's record (rewritten here, with the
// store's size and SHA-256 of it, so that the test needs one backend only).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import Database from "better-sqlite3";
import { decodeSafetensors, encodeSafetensors } from "../../src/core/weights/safetensors.js";
import { CHECKPOINT_RECORD_KEY } from "../../src/core/weights/weightsFile.js";
import { tempDir, writeFile } from "../helpers.js";
import { bin, nfx, peek } from "./sweepHelpers.js";

const SWEEP = `name: across
model: { name: nf-resnet-micro }
data: { name: synthetic, train_size: 32, test_size: 16, image_size: 8 }
train: { steps: 40, batch_size: 8, checkpoint_every: 5 }
optim: { lr: 0.1, warmup_epochs: 0 }
`;

/** Runs the sweep on wasm and stops it with Ctrl-C once the store holds ≥ `atStep` steps. */
async function interruptAt(dir: string, file: string, atStep: number): Promise<void> {
  const db = path.join(dir, "nfx.db");
  const child = spawn(process.execPath, [bin, "sweep", file, "--db", db, "--backend", "wasm", "--quiet"], {
    cwd: dir,
    stdio: "ignore",
    env: { ...process.env, NFX_DB: "" },
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const t0 = Date.now();
  while ((peek<{ steps_done: number }>(db, "SELECT steps_done FROM runs")[0]?.steps_done ?? 0) < atStep) {
    if (Date.now() - t0 > 120_000) throw new Error("the sweep did not reach its step in 2 minutes");
    await new Promise((r) => setTimeout(r, 20));
  }
  child.kill("SIGINT");
  assert.equal(await exited, 130);
}

/** Rewrites the newest recorded step checkpoint's record to name `backend`; the store's size and hash follow. */
function checkpointWrittenOn(dir: string, backend: string): void {
  const conn = new Database(path.join(dir, "nfx.db"));
  try {
    const row = conn
      .prepare(
        "SELECT id, path FROM artifacts WHERE kind = 'checkpoint' AND json_extract(meta_json, '$.final') IS NOT 1 " +
          "ORDER BY json_extract(meta_json, '$.step') DESC LIMIT 1",
      )
      .get() as { id: number; path: string };
    const file = path.resolve(dir, row.path);
    const { tensors, metadata } = decodeSafetensors(fs.readFileSync(file), file);
    const record = JSON.parse(metadata[CHECKPOINT_RECORD_KEY] as string) as { backend: string };
    assert.equal(record.backend, "wasm");
    const bytes = encodeSafetensors(tensors, {
      ...metadata,
      [CHECKPOINT_RECORD_KEY]: JSON.stringify({ ...record, backend }),
    });
    fs.writeFileSync(file, bytes);
    const sha = createHash("sha256").update(bytes).digest("hex");
    conn.prepare("UPDATE artifacts SET sha256 = ?, bytes = ? WHERE id = ?").run(sha, bytes.length, row.id);
  } finally {
    conn.close();
  }
}

describe("a run resumed", () => {
  it("stores its whole training time and says when its checkpoint came from another backend", async () => {
    const dir = tempDir();
    const file = writeFile(dir, "across.yaml", SWEEP);
    await interruptAt(dir, file, 12);
    const first = peek<{ status: string; duration_s: number }>(
      path.join(dir, "nfx.db"),
      "SELECT status, duration_s FROM runs",
    )[0];
    assert.equal(first?.status, "interrupted");
    assert.ok((first?.duration_s ?? 0) > 0);
    checkpointWrittenOn(dir, "tensorflow");
    const r = nfx(["sweep", file, "--db", "nfx.db", "--backend", "wasm", "--progress", "jsonl"], dir);
    assert.equal(r.status, 0, r.stderr);
    const events = r.stderr
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const start = events.find((e) => e.event === "run-start");
    assert.equal(start?.resumed_backend, "tensorflow");
    assert.equal(start?.backend, "wasm");
    const end = events.find((e) => e.event === "run-end") as Record<string, number>;
    const stored = peek<{ duration_s: number; summary_json: string; steps_done: number }>(
      path.join(dir, "nfx.db"),
      "SELECT duration_s, summary_json, steps_done FROM runs",
    )[0];
    assert.ok(stored);
    const summary = JSON.parse(stored.summary_json) as { resumed_from_step: number; resumed_from_backend: string };
    assert.equal(summary.resumed_from_backend, "tensorflow");
    assert.equal(end.steps_trained, 40 - summary.resumed_from_step);
    assert.equal(end.total_seconds, stored.duration_s);
    // The whole time: the first attempt's stored seconds plus this one's (its own clock, started a little later).
    assert.ok(stored.duration_s > (first?.duration_s ?? 0), `${stored.duration_s} > ${first?.duration_s}`);
    assert.ok(
      Math.abs(stored.duration_s - ((first?.duration_s ?? 0) + end.seconds)) < 1.5,
      JSON.stringify({ stored, first, end }),
    );
  });

  it("says it in the progress a person reads, once", async () => {
    const dir = tempDir();
    const file = writeFile(dir, "across.yaml", SWEEP);
    await interruptAt(dir, file, 12);
    const firstSeconds =
      peek<{ duration_s: number }>(path.join(dir, "nfx.db"), "SELECT duration_s FROM runs")[0]?.duration_s ?? 0;
    checkpointWrittenOn(dir, "tensorflow");
    const r = nfx(["sweep", file, "--db", "nfx.db", "--backend", "wasm"], dir);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stderr.split("\n").filter((l) => /written on tensorflow/.test(l));
    assert.equal(lines.length, 1, r.stderr);
    assert.match(
      lines[0] as string,
      /^run 1: its checkpoint of step \d+ was written on tensorflow; it continues on wasm, not bit for bit/,
    );
    // The whole time, and this attempt's beside it once the earlier attempt counts (≥ 0.5 s: progress.ts); a first
    // attempt faster than that rounds away, and the line shows one time.
    assert.match(
      r.stderr,
      firstSeconds >= 0.5
        ? /completed .* \d+\.\d step\/s {2}\d+s \(\d+s this attempt\)/
        : /completed .* \d+\.\d step\/s {2}\d+s\n/,
      `first attempt ${firstSeconds} s`,
    );
  });
});
