// Job arrays over the cluster's MaxArraySize (issue 27 item 6; canu#114, rslurm#73): a 1,100-run sweep with
// `--executor slurm` against an sbatch that enforces Slurm's default limit (1001: every index below it) is submitted
// as arrays of at most MaxArraySize tasks, each indexed from 0 over its own runs; the limit is read from
// `scontrol show config`. The fake sbatch, scontrol and squeue (fakeSlurm/) need no Slurm, so this runs in CI.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { sweepDirs } from "../../src/core/sweep/slurm/layout.js";
import { outstandingTasks } from "../../src/core/sweep/slurm/tasks.js";
import { nfx, peek } from "../e2e/sweepHelpers.js";
import { tempDir, writeFile } from "../helpers.js";

const fakeBin = path.join(import.meta.dirname, "fakeSlurm");

const sweep = (seeds: number, extra = "") => `name: big
model: { name: nf-resnet-micro }
data: { name: synthetic, train_size: 64, test_size: 32, image_size: 8 }
train: { steps: 3, batch_size: 8 }
seeds: ${seeds}
${extra}`;

interface Submitted {
  submitted: string[];
  job_id: string;
  arrays: { job_id: string; script: string; tasks: number }[];
}

/** `nfx sweep … --executor slurm --json` with the fake Slurm first on PATH. */
function submit(dir: string, file: string, limit: number | null) {
  const state = path.join(dir, "slurm-state");
  fs.mkdirSync(state, { recursive: true });
  const env: Record<string, string> = { PATH: `${fakeBin}${path.delimiter}${process.env.PATH}`, FAKE_SLURM_DIR: state };
  if (limit !== null) env.FAKE_MAX_ARRAY_SIZE = String(limit);
  const r = nfx(["sweep", file, "--executor", "slurm", "--db", "nfx.db", "--json"], dir, env);
  return { r, state };
}

/** The `#SBATCH --array=` and `--dependency=` of a submitted script, and its HASHES. */
function arrayOf(script: string): { array: string; after: string | null; hashes: string[] } {
  const text = fs.readFileSync(script, "utf8");
  return {
    array: /^#SBATCH --array=(\S+)$/m.exec(text)?.[1] ?? "",
    after: /^#SBATCH --dependency=afterany:(\d+)$/m.exec(text)?.[1] ?? null,
    hashes: (/^HASHES=\((.*)\)$/m.exec(text)?.[1] ?? "").split(" ").filter(Boolean),
  };
}

describe("job arrays within MaxArraySize", () => {
  it("1,100 runs under Slurm's default limit (1001) go as two arrays, 0-1000 and 0-98, every run once", () => {
    const dir = tempDir();
    const file = writeFile(dir, "big.yaml", sweep(1100));
    const { r, state } = submit(dir, file, null);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as Submitted;
    assert.equal(out.submitted.length, 1100);
    assert.deepEqual(
      out.arrays.map((a) => a.tasks),
      [1001, 99],
    );
    assert.equal(out.job_id, out.arrays.map((a) => a.job_id).join(","));
    const scripts = out.arrays.map((a) => arrayOf(a.script));
    assert.deepEqual(
      scripts.map((s) => [s.array, s.after]),
      [
        ["0-1000", null],
        ["0-98", null],
      ],
    );
    // Each run in exactly one array, at the task index its record names.
    assert.deepEqual(
      scripts.flatMap((s) => s.hashes),
      out.submitted,
    );
    const tasks = outstandingTasks(sweepDirs(path.join(dir, "nfx.db"), "big"));
    assert.equal(tasks.length, 1100);
    for (const t of tasks) {
      const k = out.arrays.findIndex((a) => a.job_id === t.job_id);
      assert.equal(scripts[k]?.hashes[t.task], t.hash);
    }
    assert.equal(fs.readFileSync(path.join(state, "queue"), "utf8").trim().split("\n").length, 1100);
    // Submitting again submits nothing: all 1,100 tasks are in the queue.
    const again = submit(dir, file, null);
    assert.equal(again.r.status, 0, again.r.stderr);
    assert.deepEqual((JSON.parse(again.r.stdout) as Submitted).submitted, []);
    assert.equal(peek<{ n: number }>(path.join(dir, "nfx.db"), "SELECT count(*) AS n FROM runs")[0]?.n, 1100);
  });

  it("the limit comes from scontrol show config; with max_concurrent each array starts after the one before", () => {
    const dir = tempDir();
    const file = writeFile(dir, "big.yaml", sweep(1100, "slurm: { max_concurrent: 8 }\n"));
    const { r } = submit(dir, file, 500);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as Submitted;
    const scripts = out.arrays.map((a) => arrayOf(a.script));
    assert.deepEqual(
      scripts.map((s) => s.array),
      ["0-499%8", "0-499%8", "0-99%8"],
    );
    assert.deepEqual(
      scripts.map((s) => s.after),
      [null, out.arrays[0]?.job_id, out.arrays[1]?.job_id],
    );
  });

  it("the fake sbatch refuses an array past the limit, as Slurm does (what one array of 1,100 met)", () => {
    const dir = tempDir();
    const script = writeFile(dir, "a.sh", "#!/bin/bash\n#SBATCH --array=0-1099\n");
    const state = path.join(dir, "s");
    fs.mkdirSync(state);
    const r = spawnSync(path.join(fakeBin, "sbatch"), ["--parsable", script], {
      encoding: "utf8",
      env: { ...process.env, FAKE_SLURM_DIR: state },
    });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /Invalid job array specification/);
    const offset = writeFile(dir, "b.sh", "#!/bin/bash\n#SBATCH --array=1001-2000\n");
    const r2 = spawnSync(path.join(fakeBin, "sbatch"), ["--parsable", offset], {
      encoding: "utf8",
      env: { ...process.env, FAKE_SLURM_DIR: state },
    });
    assert.equal(r2.status, 1, "indices at or past the limit are refused even in a short range");
  });
});
