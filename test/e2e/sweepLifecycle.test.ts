// A sweep's lifecycle through the real CLI: restarted right after a kill -9 of its process group, meeting runs that
// another live process holds (`nfx sweep` and `nfx run`, waiting or --no-wait), and Ctrl-C twice. Runs are tiny
// (synthetic images, wasm backend); the runs that must still be training when a test acts are made slow instead.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { RunStore } from "../../src/core/store/runStore.js";
import { loadSweepFile } from "../../src/core/sweep/expand.js";
import { loadSweepSource } from "../../src/experiments/sweepFile.js";
import { tempDir, testBackend, writeFile } from "../helpers.js";
import { bin, nfx, nfxBackground, peek, waitFor } from "./sweepHelpers.js";

interface Row {
  id: number;
  status: string;
  attempts: number;
  worker_pid: number | null;
  owner_pid: number | null;
  error: string | null;
}
const ROWS = "SELECT id, status, attempts, worker_pid, owner_pid, error FROM runs ORDER BY id";

const common = ["--backend", testBackend(), "--out", "figs"];

/** The quick start's 3 × 2 grid on synthetic 8×8 images: six short runs. */
const SIX = `name: six
model: { name: nf-resnet-micro }
data: { name: synthetic, train_size: 64, test_size: 32, image_size: 8 }
train: { steps: 20, batch_size: 8 }
optim: { lr: 0.2, warmup_epochs: 0 }
grid:
  agc.lambda: [0.01, 0.16, null]
  train.batch_size: [8, 16]
`;

const TWO = `name: two
model: { name: nf-resnet-micro }
data: { name: synthetic, train_size: 64, test_size: 32, image_size: 8 }
train: { steps: 5, batch_size: 8 }
optim: { lr: 0.2, warmup_epochs: 0 }
grid:
  agc.lambda: [0.01, null]
`;

/** A process that stands in for another nfx holding a run: alive until killed (at the latest when the test ends). */
function holder(): ChildProcess {
  const child = spawn("sleep", ["120"], { stdio: "ignore" });
  child.unref();
  process.on("exit", () => child.kill("SIGKILL"));
  return child;
}

/**
 * Marks `hash`'s run (registering it) as running, owned by `pid` on this host, and keeps its heartbeat fresh every
 * 500 ms as a live owner's writer does, until `release` (call it when the owner is killed).
 */
function holdRun(
  db: string,
  run: Parameters<RunStore["ensureRun"]>[0],
  hash: string,
  pid: number,
): { id: number; release: () => void } {
  const store = RunStore.open(db);
  const id = store.ensureRun(run, hash, null).id;
  assert.ok(store.claimRun(id, { host: os.hostname(), pid }, false));
  const beat = setInterval(() => {
    store.db
      .prepare("UPDATE runs SET heartbeat_at = ? WHERE id = ? AND owner_pid = ?")
      .run(new Date().toISOString(), id, pid);
  }, 500);
  beat.unref();
  return {
    id,
    release: () => {
      clearInterval(beat);
      store.close();
    },
  };
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });
}

describe("sweep lifecycle", () => {
  it("restarted at once after a kill -9 of its process group, a sweep finishes every point and exits 0", async () => {
    const dir = tempDir();
    const cfg = writeFile(dir, "six.yaml", SIX);
    const db = path.join(dir, "nfx.db");
    // The sweep's parent never reaps it (sh execs sleep), so the killed orchestrator lingers as a dying process
    // whose pid still answers kill(pid, 0), as after a kill -9 from a shell that has not waited for it yet.
    const cmd = [process.execPath, bin, "sweep", cfg, "--db", db, "--jobs", "2", "--quiet", ...common];
    const group = spawn("sh", ["-c", `${cmd.map((a) => `'${a}'`).join(" ")} & exec sleep 120`], {
      cwd: dir,
      detached: true,
      stdio: "ignore",
    });
    await waitFor(
      "the first run to complete",
      () => peek<Row>(db, ROWS).some((r) => r.status === "completed"),
      120_000,
    );
    process.kill(-(group.pid as number), "SIGKILL");
    await exited(group);
    const left = peek<Row>(db, ROWS).filter((r) => r.status === "running");
    assert.ok(left.length >= 1, "the killed sweep left runs running");

    const again = nfx(["sweep", cfg, "--db", db, "--jobs", "2", "--quiet", ...common], dir);
    assert.equal(again.status, 0, again.stderr);
    const rows = peek<Row>(db, ROWS);
    assert.deepEqual(
      rows.map((r) => r.status),
      Array(6).fill("completed"),
      rows.map((r) => `${r.id} ${r.status} ${r.error ?? ""}`).join("\n"),
    );
    for (const r of left) assert.equal(rows.find((x) => x.id === r.id)?.attempts, 2, `run ${r.id} re-run`);
  });

  it("waits for a run another live process holds, saying who holds it, and trains it once that owner dies", async () => {
    const dir = tempDir();
    const cfg = writeFile(dir, "two.yaml", TWO);
    const db = path.join(dir, "nfx.db");
    const owner = holder();
    const first = loadSweepFile(cfg).runs[0] as ReturnType<typeof loadSweepFile>["runs"][number];
    const { id, release } = holdRun(db, first.config, first.hash, owner.pid as number);
    const sweep = nfxBackground(["sweep", cfg, "--db", db, "--jobs", "1", ...common], dir);
    const waiting = new RegExp(
      `waiting for 1 run that another process is training: run ${id} \\(pid ${owner.pid} on host ${os.hostname()}`,
    );
    await waitFor("the sweep to say what it waits for", () => waiting.test(sweep.stderr()), 120_000);
    await waitFor("the other run to complete", () => peek<Row>(db, ROWS).some((r) => r.status === "completed"));
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(sweep.child.exitCode, null, "still waiting while the owner lives");
    assert.equal(peek<Row>(db, ROWS).find((r) => r.id === id)?.status, "running");

    owner.kill("SIGKILL");
    release();
    const res = await sweep.done;
    assert.equal(res.code, 0, sweep.stderr());
    assert.match(
      sweep.stderr(),
      new RegExp(`run ${id}: orphaned: owner process ${owner.pid} is gone; training it here`),
    );
    const rows = peek<Row>(db, ROWS);
    assert.deepEqual(
      rows.map((r) => [r.status, r.attempts]),
      [
        ["completed", 2],
        ["completed", 1],
      ],
    );
  });

  it("nfx run of a config another process trains: --no-wait fails naming it; by default it waits", async () => {
    const dir = tempDir();
    const db = path.join(dir, "nfx.db");
    const sets = ["data.name=synthetic", "data.train_size=64", "data.test_size=32", "data.image_size=8"];
    const more = ["train.steps=3", "train.batch_size=8", "optim.warmup_epochs=0"];
    const setArgs = [...sets, ...more].flatMap((s) => ["--set", s]);
    const run = loadSweepSource(null, [...sets, ...more]).runs[0] as ReturnType<typeof loadSweepFile>["runs"][number];
    const owner = holder();
    const { id, release } = holdRun(db, run.config, run.hash, owner.pid as number);

    const noWait = nfx(["run", ...setArgs, "--db", db, "--no-wait", ...common], dir);
    assert.equal(noWait.status, 1, noWait.stderr); // not bad input: the run is held elsewhere (a failure, 1)
    assert.equal(noWait.stdout, "");
    assert.match(
      noWait.stderr,
      new RegExp(
        `(^|\\n)nfx: error: 1 of 1 run is being trained by another process: run ${id} \\(${run.hash.slice(0, 10)}\\) by pid ${owner.pid} on host ${os.hostname()}; not waiting for them \\(--no-wait\\)\\n$`,
      ),
    );
    assert.equal(peek<Row>(db, ROWS)[0]?.owner_pid, owner.pid, "the holder's run is left alone");

    const waiting = nfxBackground(["run", ...setArgs, "--db", db, ...common], dir);
    await waitFor("nfx run to say what it waits for", () =>
      new RegExp(`waiting for 1 run .*: run ${id} \\(pid ${owner.pid} on host ${os.hostname()}`).test(waiting.stderr()),
    );
    assert.equal(waiting.child.exitCode, null);
    owner.kill("SIGKILL");
    release();
    const res = await waiting.done;
    assert.equal(res.code, 0, waiting.stderr());
    assert.match(waiting.stdout(), new RegExp(`run ${id} \\(${run.hash}\\): completed`));
    assert.equal(peek<Row>(db, ROWS)[0]?.status, "completed");
  });

  it("nfx run --json interrupted while it waits for a held run prints one document and exits 130", async () => {
    const dir = tempDir();
    const db = path.join(dir, "nfx.db");
    const sets = ["data.name=synthetic", "data.train_size=64", "data.test_size=32", "data.image_size=8"];
    const more = ["train.steps=3", "train.batch_size=8", "optim.warmup_epochs=0"];
    const setArgs = [...sets, ...more].flatMap((s) => ["--set", s]);
    const run = loadSweepSource(null, [...sets, ...more]).runs[0] as ReturnType<typeof loadSweepFile>["runs"][number];
    const owner = holder();
    const { id, release } = holdRun(db, run.config, run.hash, owner.pid as number);
    const child = spawn(process.execPath, [bin, "run", ...setArgs, "--db", db, "--json", ...common], {
      cwd: dir,
      detached: true,
      env: { ...process.env, NFX_DB: "" },
    });
    let out = "";
    let err = "";
    child.stdout?.on("data", (d) => {
      out += String(d);
    });
    child.stderr?.on("data", (d) => {
      err += String(d);
    });
    const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on("close", (code, signal) => resolve({ code, signal })),
    );
    // Early: 300 ms in, nfx is still loading the command (about a second), past node's start (tens of ms) where
    // bin/run.js begins to hold signals. Caught early or while the command waits, the answer is the same: the run
    // as stored.
    await new Promise((r) => setTimeout(r, 300));
    process.kill(-(child.pid as number), "SIGINT");
    const res = await done;
    owner.kill("SIGKILL");
    release();
    assert.deepEqual(res, { code: 130, signal: null }, err);
    const doc = JSON.parse(out) as { id: number; status: string };
    assert.equal(doc.id, id);
    assert.equal(doc.status, "running", "the run as stored: still the other process's");
    assert.equal(peek(db, "SELECT id FROM sweeps").length, 1);
  });

  it("Ctrl-C twice stops at once, quietly, with the runs stored interrupted", async () => {
    const dir = tempDir();
    // Steps of seconds each (32×32 images, batch 128), so that the runs are mid-step at the second Ctrl-C.
    const cfg = writeFile(
      dir,
      "slow.yaml",
      TWO.replace("image_size: 8", "image_size: 32")
        .replace("train_size: 64", "train_size: 256")
        .replace("train: { steps: 5, batch_size: 8 }", "train: { steps: 50, batch_size: 128 }"),
    );
    const db = path.join(dir, "nfx.db");
    const child = spawn(process.execPath, [bin, "sweep", cfg, "--db", db, "--jobs", "2", ...common], {
      cwd: dir,
      detached: true,
      env: { ...process.env, NFX_DB: "" },
    });
    let err = "";
    child.stderr?.on("data", (d) => {
      err += String(d);
    });
    const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on("close", (code, signal) => resolve({ code, signal })),
    );
    await waitFor(
      "both workers to train",
      () => peek<Row>(db, ROWS).filter((r) => r.status === "running" && r.worker_pid !== null).length === 2,
      120_000,
    );
    const group = -(child.pid as number);
    // The second Ctrl-C as soon as the first is taken (the sweep says it is stopping), not after a fixed delay: on a
    // fast backend (tensorflow) a run can reach its next step within a fixed 200 ms and end "stopped" on its own.
    const firstTaken = new Promise<void>((resolve) =>
      child.stderr?.on("data", () => /stopping \(interrupted\)/.test(err) && resolve()),
    );
    process.kill(group, "SIGINT");
    await Promise.race([firstTaken, done]);
    process.kill(group, "SIGINT");
    const res = await done;
    assert.deepEqual(res, { code: 130, signal: null }, err);
    assert.doesNotMatch(err, /EPIPE|\n\s+at /, "no stack trace");
    assert.match(err, /stopping \(second interrupt: stopping at once\)/);
    const rows = peek<Row>(db, ROWS);
    assert.deepEqual(
      rows.map((r) => [r.status, r.error]),
      [
        ["interrupted", "stopped at once (second interrupt)"],
        ["interrupted", "stopped at once (second interrupt)"],
      ],
    );
  });
});
