// The Slurm executor's pieces without a Slurm: options, the generated script, and collection of shards (with the
// queue's answer given), so that CI without slurm-wlm still checks everything but the daemons.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { RunStore } from "../../src/core/store/runStore.js";
import { expandSweep } from "../../src/core/sweep/expand.js";
import { makeSweepDirs, sweepDirs } from "../../src/core/sweep/slurm/layout.js";
import { resolveSlurmOptions } from "../../src/core/sweep/slurm/options.js";
import { renderSbatch } from "../../src/core/sweep/slurm/sbatch.js";
import { collectSweepDir, taskInterrupted } from "../../src/core/sweep/slurm/shards.js";
import { sweepStatus } from "../../src/core/sweep/slurm/status.js";
import { outstandingTasks, writeTask } from "../../src/core/sweep/slurm/tasks.js";
import { parseSweep } from "../../src/core/sweep/sweepSpec.js";
import { tempDir } from "../helpers.js";

const runs = expandSweep(
  parseSweep(
    {
      data: { name: "synthetic", train_size: 64, test_size: 32, image_size: 8 },
      train: { steps: 3, batch_size: 8 },
      grid: { "agc.lambda": [0.01, 0.02] },
    },
    "u",
  ),
);

describe("slurm options", () => {
  it("merges the sweep file's section under the flags and rejects what would break an #SBATCH line", () => {
    const o = resolveSlurmOptions(
      { partition: "gpu", time: "01:00:00", gpus_per_run: 1, sbatch_args: ["--qos=short"] },
      { partition: "debug", max_concurrent: 4, sbatch_args: [] },
    );
    assert.deepEqual(o, {
      partition: "debug",
      time: "01:00:00",
      gpus_per_run: 1,
      cpus_per_run: null,
      max_concurrent: 4,
      sbatch_args: ["--qos=short"],
    });
    assert.throws(() => resolveSlurmOptions({ partiton: "gpu" }), /slurm\.partiton: unknown key/);
    assert.throws(() => resolveSlurmOptions({ partition: "gpu\n#SBATCH --x" }), /slurm\.partition/);
    assert.throws(() => resolveSlurmOptions({ max_concurrent: 0 }), /slurm\.max_concurrent: must be an integer ≥ 1/);
    assert.throws(() => resolveSlurmOptions({ sbatch_args: ["account=x"] }), /starting with '-'/);
  });

  it("renders one array task per run, throttled, with the run's shard as its only store", () => {
    const dirs = sweepDirs("/data/r/nfx.db", "fig 2a");
    const text = renderSbatch({
      sweepName: "fig 2a",
      dirs,
      hashes: ["aaaa", "bbbb", "cccc"],
      slurm: resolveSlurmOptions({ partition: "gpu", gpus_per_run: 1, max_concurrent: 2, sbatch_args: ["--qos=x"] }),
      nfx: ["/usr/bin/node", "/opt/nfx/bin/run.js"],
      backend: "auto",
    });
    assert.equal(dirs.root, "/data/r/nfx.slurm/fig_2a");
    for (const line of [
      "#SBATCH --array=0-2%2",
      "#SBATCH --partition=gpu",
      "#SBATCH --gpus=1",
      "#SBATCH --qos=x",
      "HASHES=(aaaa bbbb cccc)",
      '--shard /data/r/nfx.slurm/fig_2a/shards/"$HASH".db',
    ]) {
      assert.ok(text.includes(line), `missing ${line} in\n${text}`);
    }
  });
});

describe("collecting shards", () => {
  it("imports finished shards once, by config hash, and marks tasks stopped without a result as interrupted", () => {
    const dir = tempDir();
    const db = path.join(dir, "nfx.db");
    const dirs = sweepDirs(db, "u");
    makeSweepDirs(dirs);
    const store = RunStore.open(db);
    store.ensureRuns(runs, store.createSweep("u", null, {}));
    const [ok, dead] = runs as [(typeof runs)[0], (typeof runs)[0]];
    const shard = RunStore.open(path.join(dirs.shards, `${ok.hash}.db`), { shard: true });
    const id = shard.ensureRun(ok.config, ok.hash, null).id;
    shard.finishRun(id, "completed", { test_top1: 0.5, final_loss: 1, steps: 3, images_per_s: null }, null);
    shard.close();
    const at = new Date().toISOString();
    writeTask(dirs, { hash: ok.hash, job_id: "7", task: 0, submitted_at: at });
    writeTask(dirs, { hash: dead.hash, job_id: "7", task: 1, submitted_at: at });

    // While the queue lists task 1, only task 0 is collected.
    const first = collectSweepDir(store, dirs, { live: new Map([["7_1", "RUNNING"]]), final: new Map() });
    assert.deepEqual(first, { imported: 1, failed: 0, interrupted: 0, waiting: 1 });
    assert.equal(store.getRun(ok.hash)?.status, "completed");
    assert.equal(store.getRun(ok.hash)?.summary?.test_top1, 0.5);

    const second = collectSweepDir(store, dirs, { live: new Map(), final: new Map([["7_1", "TIMEOUT"]]) });
    // Over its time limit: Slurm stopped it from outside, so the run is interrupted (not a failure of its own).
    assert.deepEqual(second, { imported: 0, failed: 0, interrupted: 1, waiting: 0 });
    assert.equal(store.getRun(dead.hash)?.status, "interrupted");
    assert.match(store.getRun(dead.hash)?.error ?? "", /slurm task 7_1 ended without a result \(TIMEOUT\)/);
    assert.equal(outstandingTasks(dirs).length, 0);
    assert.equal(fs.readdirSync(dirs.imported).length, 1);

    // Nothing outstanding: a third collection changes nothing.
    assert.deepEqual(collectSweepDir(store, dirs, { live: null, final: new Map() }), {
      imported: 0,
      failed: 0,
      interrupted: 0,
      waiting: 0,
    });
    assert.equal(store.listRuns().length, 2);
    store.close();
  });

  it("--status calls an interrupted run interrupted and a failed one failed, each with its reason", () => {
    const dir = tempDir();
    const db = path.join(dir, "nfx.db");
    const dirs = sweepDirs(db, "u");
    makeSweepDirs(dirs);
    const store = RunStore.open(db);
    store.ensureRuns(runs, store.createSweep("u", null, {}));
    const [cancelled, oom] = runs as [(typeof runs)[0], (typeof runs)[0]];
    // The cancelled task's `nfx run` caught Slurm's SIGTERM and stored its run interrupted in its shard.
    const shard = RunStore.open(path.join(dirs.shards, `${cancelled.hash}.db`), { shard: true });
    shard.finishRun(shard.ensureRun(cancelled.config, cancelled.hash, null).id, "interrupted", null, "stopped");
    shard.close();
    const at = new Date().toISOString();
    writeTask(dirs, { hash: cancelled.hash, job_id: "9", task: 0, submitted_at: at });
    writeTask(dirs, { hash: oom.hash, job_id: "9", task: 1, submitted_at: at });
    const got = collectSweepDir(store, dirs, {
      live: new Map(),
      final: new Map([
        ["9_0", "CANCELLED by 0"],
        ["9_1", "OUT_OF_MEMORY"],
      ]),
    });
    assert.deepEqual(got, { imported: 0, failed: 1, interrupted: 1, waiting: 0 });
    const status = sweepStatus(store, dirs, runs, new Map());
    assert.deepEqual(
      status.map((s) => [s.state, s.store_status]),
      [
        ["interrupted", "interrupted"],
        ["failed", "failed"],
      ],
    );
    assert.match(status[0]?.detail ?? "", /9_0 ended without a result \(CANCELLED by 0\): stopped/);
    assert.match(status[1]?.detail ?? "", /9_1 ended without a result \(OUT_OF_MEMORY\)/);
    store.close();
  });

  it("a task stopped from outside is interrupted, by its shard, Slurm's final state or its exit status", () => {
    assert.equal(taskInterrupted("interrupted", null, null), true);
    assert.equal(taskInterrupted("failed", "CANCELLED", "130"), false, "the run's own record wins");
    for (const state of ["CANCELLED", "CANCELLED by 1000", "TIMEOUT", "PREEMPTED", "NODE_FAIL", "DEADLINE"]) {
      assert.equal(taskInterrupted(null, state, null), true, state);
    }
    for (const state of ["FAILED", "OUT_OF_MEMORY", "COMPLETED"])
      assert.equal(taskInterrupted(null, state, "1"), false);
    assert.equal(taskInterrupted(null, null, "130"), true);
    assert.equal(taskInterrupted(null, null, "143"), true);
    assert.equal(taskInterrupted(null, null, "2"), false);
    assert.equal(taskInterrupted(null, null, null), false);
  });
});
