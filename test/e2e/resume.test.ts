// Issue 17's must-show, through the real CLI: a 200-step run killed with SIGKILL (its whole process group) at about
// step 100 continues from its checkpoint when its sweep runs again — not from step 0 — and its per-step metrics are
// an uninterrupted run's, bit for bit (same backend, same micro-batch); a torn newest checkpoint falls back to the
// one before. Runs are small (synthetic 16×16 images, wasm backend): a few seconds each.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { tempDir, writeFile } from "../helpers.js";
import { bin, nfx, peek } from "./sweepHelpers.js";

const SWEEP = `name: resume
model: { name: nf-resnet-micro }
data: { name: synthetic, train_size: 128, test_size: 32, image_size: 16 }
train: { steps: 200, batch_size: 8, micro_batch: 8, checkpoint_every: 20, keep_checkpoints: 2, eval_every: 50 }
optim: { lr: 0.2, warmup_epochs: 0.5 }
`;
const common = ["--backend", "wasm", "--jobs", "1", "--out", "figs"];

interface MetricRow {
  step: number;
  name: string;
  value: number | null;
}
/** Every per-step metric except the throughput (a timing), in (name, step) order. */
const METRICS = "SELECT step, name, value FROM metrics WHERE name != 'images_per_s' ORDER BY name, step";
const EVALS = "SELECT step, split, top1, loss, n FROM evals ORDER BY split, step";
const CHECKPOINTS =
  "SELECT path, json_extract(meta_json, '$.step') AS step, json_extract(meta_json, '$.final') AS final " +
  "FROM artifacts WHERE kind = 'checkpoint' ORDER BY step";

/** Starts the sweep in a process group of its own and SIGKILLs the group once the store has ≥ `atStep` steps. */
async function killAtStep(dir: string, file: string, atStep: number): Promise<number> {
  const db = path.join(dir, "nfx.db");
  const child = spawn(process.execPath, [bin, "sweep", file, "--db", db, ...common, "--quiet"], {
    cwd: dir,
    detached: true,
    stdio: "ignore",
    env: { ...process.env, NFX_DB: "" },
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let done = 0;
  const t0 = Date.now();
  while (done < atStep) {
    if (Date.now() - t0 > 300_000) throw new Error("the sweep did not reach its step in 5 minutes");
    await new Promise((r) => setTimeout(r, 20));
    done = peek<{ steps_done: number }>(db, "SELECT steps_done FROM runs")[0]?.steps_done ?? 0;
  }
  process.kill(-(child.pid as number), "SIGKILL");
  await exited;
  return done;
}

function stored(db: string) {
  return {
    run: peek<{ status: string; steps_done: number; attempts: number; summary_json: string | null }>(
      db,
      "SELECT status, steps_done, attempts, summary_json FROM runs",
    )[0],
    metrics: peek<MetricRow>(db, METRICS),
    evals: peek<Record<string, unknown>>(db, EVALS),
    // Checkpoint paths are stored relative to the store's directory (store/artifactPaths.ts).
    checkpoints: peek<{ path: string; step: number; final: number }>(db, CHECKPOINTS).map((c) => ({
      ...c,
      path: path.resolve(path.dirname(db), c.path),
    })),
  };
}

describe("exact resume through the CLI (kill -9)", () => {
  let reference: ReturnType<typeof stored> | null = null;
  /** The uninterrupted run, once: its metrics are what every resumed run must reproduce. */
  const uninterrupted = (file: string) => {
    if (reference) return reference;
    const dir = tempDir();
    const r = nfx(["sweep", file, "--db", path.join(dir, "nfx.db"), ...common, "--quiet"], dir);
    assert.equal(r.status, 0, r.stderr);
    reference = stored(path.join(dir, "nfx.db"));
    assert.equal(reference.run?.status, "completed");
    // The final state is kept; the step checkpoints are gone once the run is finished.
    assert.deepEqual(
      reference.checkpoints.map((c) => [path.basename(c.path), c.step, c.final]),
      [["final.safetensors", 200, 1]],
    );
    return reference;
  };

  it("killed at about step 100, the sweep run again continues from its checkpoint; every step's metrics are the uninterrupted run's", async () => {
    const dir = tempDir();
    const file = writeFile(dir, "resume.yaml", SWEEP);
    const db = path.join(dir, "nfx.db");
    const killedAt = await killAtStep(dir, file, 100);
    const left = stored(db);
    assert.equal(left.run?.status, "running", "the kill left the run running (its owner dead)");
    assert.ok(left.run && left.run.steps_done < 200, `killed before the end (${left.run?.steps_done} steps)`);
    const newest = left.checkpoints.at(-1);
    assert.ok(newest && newest.step >= 80 && newest.step <= killedAt, `newest checkpoint ${newest?.step}`);
    // At most keep_checkpoints = 2 recorded step checkpoints, all on disk. A kill between a checkpoint's rename and
    // its record in the store leaves one newer file the store does not know (the next claim of the run removes it:
    // sweep/resume.ts removeUnrecorded); nothing else may be there.
    const onDisk = fs.readdirSync(path.dirname(newest.path)).sort();
    const recorded = left.checkpoints.map((c) => path.basename(c.path)).sort();
    assert.ok(recorded.length <= 2, `recorded: ${recorded.join(", ")}`);
    for (const f of recorded) assert.ok(onDisk.includes(f), `recorded ${f} is on disk`);
    const unrecorded = onDisk.filter((f) => !recorded.includes(f));
    assert.ok(
      unrecorded.length <= 1 &&
        unrecorded.every((f) => /^step-\d+\.safetensors$/.test(f) && Number(f.slice(5, 11)) > newest.step),
      `on disk but not recorded: ${unrecorded.join(", ")}`,
    );

    const again = nfx(["sweep", file, "--db", db, ...common], dir);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stderr, new RegExp(`resumed from step ${newest.step} \\(${newest.path}\\)`));
    const after = stored(db);
    const summary = JSON.parse(after.run?.summary_json ?? "{}") as Record<string, unknown>;
    assert.equal(after.run?.status, "completed");
    assert.equal(after.run?.attempts, 2);
    assert.equal(summary.resumed_from_step, newest.step);
    assert.equal(summary.micro_batch_source, "checkpoint");

    const ref = uninterrupted(file);
    // No step missing or twice: 200 steps of each metric, and every value identical (===) to the uninterrupted run's.
    assert.equal(after.metrics.filter((m) => m.name === "loss").length, 200);
    assert.equal(after.metrics.length, ref.metrics.length);
    after.metrics.forEach((m, i) => {
      const r = ref.metrics[i] as MetricRow;
      assert.deepEqual([m.name, m.step], [r.name, r.step]);
      assert.ok(m.value === r.value, `${m.name} at step ${m.step}: ${m.value} !== ${r.value}`);
    });
    assert.deepEqual(after.evals, ref.evals);
    assert.deepEqual(
      after.checkpoints.map((c) => [path.basename(c.path), c.final]),
      [["final.safetensors", 1]],
    );
    // On disk too: any unrecorded file the kill left is gone.
    assert.deepEqual(fs.readdirSync(path.dirname(newest.path)), ["final.safetensors"]);

    // `nfx runs show` lists the run's checkpoints.
    const show = nfx(["runs", "show", "1", "--db", db, "--json"], dir);
    assert.equal(show.status, 0, show.stderr);
    const detail = JSON.parse(show.stdout) as { checkpoints: { step: number; final: boolean; path: string }[] };
    assert.deepEqual(
      detail.checkpoints.map((c) => [c.step, c.final]),
      [[200, true]],
    );
    assert.ok(fs.existsSync(detail.checkpoints[0]?.path as string));
  });

  it("a torn newest checkpoint (truncated on disk) is passed over: the run continues from the one before", async () => {
    const dir = tempDir();
    const file = writeFile(dir, "resume.yaml", SWEEP);
    const db = path.join(dir, "nfx.db");
    await killAtStep(dir, file, 100);
    const { checkpoints } = stored(db);
    assert.equal(checkpoints.length, 2, "two step checkpoints are kept");
    const [previous, newest] = checkpoints as [(typeof checkpoints)[0], (typeof checkpoints)[0]];
    fs.truncateSync(newest.path, Math.floor(fs.statSync(newest.path).size / 2));

    const again = nfx(["sweep", file, "--db", db, ...common], dir);
    assert.equal(again.status, 0, again.stderr);
    assert.match(
      again.stderr,
      new RegExp(`resumed from step ${previous.step} \\(${previous.path}; passed over ${newest.path}: .*truncated`),
    );
    const after = stored(db);
    assert.equal(JSON.parse(after.run?.summary_json ?? "{}").resumed_from_step, previous.step);
    const ref = uninterrupted(file);
    assert.equal(after.metrics.length, ref.metrics.length);
    after.metrics.forEach((m, i) => {
      assert.ok(m.value === ref.metrics[i]?.value && m.step === ref.metrics[i]?.step, `${m.name} at step ${m.step}`);
    });
    assert.equal(fs.existsSync(newest.path), false, "the torn file is deleted");
  });
});
