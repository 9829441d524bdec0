// Durability of sweeps through the real CLI: kill -9 and resume, two sweeps on one store, a crashing worker,
// --fail-fast, and SIGTERM. Runs are tiny (synthetic 8×8 images, wasm backend).
import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import Database from "better-sqlite3";
import { tempDir, testBackend, writeFile } from "../helpers.js";
import { integrityFromOutside, nfx, nfxBackground, peek, pidAlive, tinySweep, waitFor } from "./sweepHelpers.js";

interface Row {
  id: number;
  config_hash: string;
  status: string;
  attempts: number;
  worker_pid: number | null;
  steps_done: number;
  error: string | null;
}

const ROWS = "SELECT id, config_hash, status, attempts, worker_pid, steps_done, error FROM runs ORDER BY id";

/**
 * Steps per run in tests that act in the middle of a run (kill, SIGTERM): enough that a run lasts about a second,
 * so that polling the store every 100 ms sees it running (at 20 steps a run took ~0.1 s and could be missed).
 */
const MID_RUN_STEPS = 100;

function checkStore(db: string, expectRuns: number, steps: number): Row[] {
  const rows = peek<Row>(db, ROWS);
  assert.equal(rows.length, expectRuns);
  assert.equal(new Set(rows.map((r) => r.config_hash)).size, rows.length, "no two runs with one config hash");
  for (const r of rows) assert.equal(r.status, "completed", `run ${r.id}: ${r.status} ${r.error ?? ""}`);
  const losses = peek<{ run_id: number; n: number }>(
    db,
    "SELECT run_id, count(*) AS n FROM metrics WHERE name = 'loss' GROUP BY run_id",
  );
  assert.deepEqual(
    losses.map((l) => l.n),
    rows.map(() => steps),
    "every step of every run stored once",
  );
  const conn = new Database(db, { readonly: true });
  assert.equal(conn.pragma("integrity_check", { simple: true }), "ok");
  conn.close();
  const outside = integrityFromOutside(db);
  if (outside !== null) assert.equal(outside, "ok", "sqlite3 shell: PRAGMA integrity_check");
  return rows;
}

const common = ["--backend", testBackend(), "--out", "figs"];

describe("sweep durability", () => {
  it("kill -9 mid-sweep, then run again: one completed run per grid point, store intact", async () => {
    const dir = tempDir();
    const cfg = writeFile(dir, "tiny.yaml", tinySweep({ steps: MID_RUN_STEPS }));
    const db = path.join(dir, "nfx.db");
    const first = nfxBackground(["sweep", cfg, "--db", db, "--jobs", "2", ...common], dir);
    await waitFor("a run with stored steps", () =>
      peek<Row>(db, ROWS).some((r) => r.status === "running" && r.steps_done >= 3),
    );
    first.child.kill("SIGKILL");
    await first.done;
    const orphaned = peek<Row>(db, ROWS).filter((r) => r.status === "running");
    assert.ok(orphaned.length >= 1, "the killed sweep left running runs behind");
    // Workers notice their orchestrator is gone and exit.
    for (const r of orphaned) if (r.worker_pid) await waitFor("worker exit", () => !pidAlive(r.worker_pid as number));
    // …quietly: a worker whose orchestrator is gone prints no EPIPE stack trace (stderr is shared with them).
    assert.doesNotMatch(first.stderr(), /EPIPE|\n\s+at /);

    const again = nfx(["sweep", cfg, "--db", db, "--jobs", "2", ...common], dir);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stderr, /orphaned runs re-queued/);
    const rows = checkStore(db, 4, MID_RUN_STEPS);
    assert.ok(
      rows.some((r) => r.attempts === 2),
      "an orphaned run was re-run",
    );
  });

  it("two sweeps on one store at once: nothing locked, lost or trained twice, also with a changed grid", async () => {
    const dir = tempDir();
    const a = writeFile(dir, "a.yaml", tinySweep({ steps: 8, lambdas: [0.01, null] }));
    const b = writeFile(dir, "b.yaml", tinySweep({ steps: 8, lambdas: [0.01, 0.02, null] }));
    const db = path.join(dir, "nfx.db");
    const runA = nfxBackground(["sweep", a, "--db", db, "--jobs", "1", ...common], dir);
    const runB = nfxBackground(["sweep", b, "--db", db, "--jobs", "1", ...common], dir);
    const [ra, rb] = await Promise.all([runA.done, runB.done]);
    assert.equal(ra.code, 0, runA.stderr());
    assert.equal(rb.code, 0, runB.stderr());
    assert.doesNotMatch(runA.stderr() + runB.stderr(), /locked|busy/i);
    // Runs held by the other sweep when one finished are its to finish; afterwards every run is done once.
    const rows = checkStore(db, 6, 8);
    for (const r of rows) assert.equal(r.attempts, 1, `run ${r.id} trained once`);
    const again = nfx(["sweep", b, "--db", db, "--dry-run", "--json"], dir);
    const plan = JSON.parse(again.stdout) as { runs: unknown[]; estimate: { runs: unknown[]; settled: number } };
    assert.equal(plan.runs.length, 6);
    assert.deepEqual([plan.estimate.runs.length, plan.estimate.settled], [0, 6], "nothing left to train or estimate");
  });

  it("a crashing worker fails its run and the sweep goes on; --retry-failed re-runs it", async () => {
    const dir = tempDir();
    const cfg = writeFile(dir, "tiny.yaml", tinySweep({ steps: MID_RUN_STEPS, lambdas: [0.01], seeds: 3 }));
    const db = path.join(dir, "nfx.db");
    const sweep = nfxBackground(["sweep", cfg, "--db", db, "--jobs", "1", ...common], dir);
    await waitFor("a worker pid", () => peek<Row>(db, ROWS).some((r) => r.worker_pid !== null && r.steps_done > 0));
    const victim = peek<Row>(db, ROWS).find((r) => r.worker_pid !== null) as Row;
    process.kill(victim.worker_pid as number, "SIGKILL");
    const res = await sweep.done;
    assert.equal(res.code, 1, sweep.stderr());
    assert.match(sweep.stderr(), /nfx: error: tiny: 1 of 3 runs failed: .*--retry-failed`/);
    const rows = peek<Row>(db, ROWS);
    // The killed worker's run (the victim, or the next one if the victim finished just before the kill) failed.
    const failed = rows.filter((r) => r.status === "failed");
    assert.equal(failed.length, 1);
    assert.ok((failed[0]?.id ?? 0) >= victim.id);
    assert.match(failed[0]?.error ?? "", /killed by SIGKILL/);
    assert.equal(rows.filter((r) => r.status === "completed").length, 2);

    const skip = nfx(["sweep", cfg, "--db", db, "--jobs", "1", ...common], dir);
    assert.match(skip.stderr, /3 already done, 0 to run/);
    assert.equal(skip.status, 1, "a failed run stored and not retried");
    const retry = nfx(["sweep", cfg, "--db", db, "--jobs", "1", "--retry-failed", ...common], dir);
    assert.equal(retry.status, 0, retry.stderr);
    checkStore(db, 3, MID_RUN_STEPS);
  });

  it("--fail-fast stops at the first failure and exits non-zero", async () => {
    const dir = tempDir();
    // Long runs: the first is killed mid-run and --fail-fast never starts the others, so this costs one partial run.
    // With 100 steps the fused kernels finished all three runs between two polls, and no worker pid was ever seen.
    const cfg = writeFile(dir, "tiny.yaml", tinySweep({ steps: 20 * MID_RUN_STEPS, lambdas: [0.01], seeds: 3 }));
    const db = path.join(dir, "nfx.db");
    const sweep = nfxBackground(["sweep", cfg, "--db", db, "--jobs", "1", "--fail-fast", ...common], dir);
    await waitFor("a worker pid", () => peek<Row>(db, ROWS).some((r) => r.worker_pid !== null && r.steps_done > 0));
    process.kill((peek<Row>(db, ROWS).find((r) => r.worker_pid !== null) as Row).worker_pid as number, "SIGKILL");
    const res = await sweep.done;
    assert.equal(res.code, 1, sweep.stderr());
    const statuses = peek<Row>(db, ROWS).map((r) => r.status);
    assert.equal(statuses.filter((s) => s === "failed").length, 1, statuses.join(" "));
    assert.ok(statuses.includes("pending"), `the sweep stopped before the end: ${statuses.join(" ")}`);
    assert.ok(!statuses.includes("running"), statuses.join(" "));
  });

  it("SIGTERM interrupts running runs, exits cleanly, and the next sweep finishes them", async () => {
    const dir = tempDir();
    const cfg = writeFile(dir, "tiny.yaml", tinySweep({ steps: MID_RUN_STEPS }));
    const db = path.join(dir, "nfx.db");
    const sweep = nfxBackground(["sweep", cfg, "--db", db, "--jobs", "2", ...common], dir);
    await waitFor("a running run", () => peek<Row>(db, ROWS).some((r) => r.status === "running" && r.steps_done > 0));
    sweep.child.kill("SIGTERM");
    const res = await sweep.done;
    assert.equal(res.code, 130, sweep.stderr());
    assert.doesNotMatch(sweep.stderr(), /\n\s+at /, "no stack trace");
    const rows = peek<Row>(db, ROWS);
    assert.ok(rows.some((r) => r.status === "interrupted"));
    assert.ok(!rows.some((r) => r.status === "running"), "nothing left running");
    const again = nfx(["sweep", cfg, "--db", db, "--jobs", "2", ...common], dir);
    assert.equal(again.status, 0, again.stderr);
    checkStore(db, 4, MID_RUN_STEPS);
  });
});
