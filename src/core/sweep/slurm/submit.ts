// Submission: every run of the sweep that the store does not hold as finished, and that has no task in the queue,
// becomes one task of a job array. A cluster refuses arrays whose indices reach its MaxArraySize (`scontrol show
// config`, 1001 by default; canu#114, rslurm#73), so more runs than that are submitted as several arrays of at
// most MaxArraySize tasks, each indexed from 0 over its own runs (`--array=1001-2000` would be refused too); with
// max_concurrent, each array starts after the one before (afterany), so the limit holds across them. Each array's
// tasks are recorded as soon as it is queued: a later sbatch that fails leaves the earlier arrays known.
// The store (on the submit host) is the only SQLite file written here.
import fs from "node:fs";
import path from "node:path";
import { DONE_STATUSES, type RunStore } from "../../store/runStore.js";
import type { ExpandedRun } from "../expand.js";
import type { SweepSpec } from "../sweepSpec.js";
import { makeSweepDirs, type SweepDirs } from "./layout.js";
import type { SlurmOptions } from "./options.js";
import { renderSbatch } from "./sbatch.js";
import { type CollectResult, collectSweepDir, type Liveness } from "./shards.js";
import { sbatch } from "./slurmCli.js";
import { outstandingTasks, writeTask } from "./tasks.js";

export interface SubmitInput {
  spec: SweepSpec;
  file: string | null;
  runs: readonly ExpandedRun[];
  dirs: SweepDirs;
  slurm: SlurmOptions;
  nfx: readonly string[];
  backend: string;
  /** Asks the queue about these jobs (injected so that collection and submission see one answer). */
  liveness: (jobIds: readonly string[]) => Liveness;
  /** The cluster's MaxArraySize (slurmCli.maxArraySize): every array's indices stay below it. */
  maxArraySize: number;
}

export interface SubmitResult {
  sweepId: number;
  total: number;
  /** Runs the store holds as finished. */
  done: number;
  /** Runs whose task is still queued or running (not submitted again). */
  waiting: number;
  /** Config hashes submitted now, in array order (the arrays one after another). */
  submitted: string[];
  /** The job ids of the arrays submitted now, comma-separated (as squeue -j takes them), or null. */
  jobId: string | null;
  /** Each array submitted now: its job id, script and how many tasks. */
  arrays: { jobId: string; script: string; tasks: number }[];
  /** The first array's script, or null. */
  script: string | null;
  collected: CollectResult;
}

export function jobIdsOf(dirs: SweepDirs): string[] {
  return [...new Set(outstandingTasks(dirs).map((t) => t.job_id))];
}

export function submitSweep(store: RunStore, input: SubmitInput): SubmitResult {
  const { dirs, runs } = input;
  makeSweepDirs(dirs);
  // Collect first: a task that ended since the last look must count as done (or failed, to be re-run) now.
  const collected = collectSweepDir(store, dirs, input.liveness(jobIdsOf(dirs)));
  const sweepId = store.createSweep(input.spec.name, input.file, input.spec);
  const registered = store.ensureRuns(runs, sweepId);
  const waitingHashes = new Set(outstandingTasks(dirs).map((t) => t.hash));
  const todo = runs.filter((r, i) => {
    const status = registered[i]?.status;
    return !(status !== undefined && DONE_STATUSES.has(status)) && !waitingHashes.has(r.hash);
  });
  const done = registered.filter((r) => DONE_STATUSES.has(r.status)).length;
  const base = { sweepId, total: runs.length, done, waiting: waitingHashes.size, collected };
  if (todo.length === 0) {
    store.finishSweep(sweepId, { executor: "slurm", job_id: null, submitted: 0 });
    return { ...base, submitted: [], jobId: null, arrays: [], script: null };
  }
  for (const r of todo) {
    fs.writeFileSync(path.join(dirs.runs, `${r.hash}.json`), `${JSON.stringify(r.config, null, 2)}\n`);
    // A shard from an earlier attempt was imported already (or belongs to a task that is gone): start clean.
    fs.rmSync(path.join(dirs.shards, `${r.hash}.db`), { force: true });
    fs.rmSync(path.join(dirs.shards, `${r.hash}.exit`), { force: true });
  }
  const hashes = todo.map((r) => r.hash);
  const arrays: SubmitResult["arrays"] = [];
  for (let from = 0; from < hashes.length; from += input.maxArraySize) {
    const part = hashes.slice(from, from + input.maxArraySize);
    const after = input.slurm.max_concurrent ? (arrays.at(-1)?.jobId ?? null) : null;
    arrays.push(submitArray(input, part, after));
  }
  const jobId = arrays.map((a) => a.jobId).join(",");
  store.finishSweep(sweepId, { executor: "slurm", job_id: jobId, submitted: hashes.length });
  return { ...base, submitted: hashes, jobId, arrays, script: arrays[0]?.script ?? null };
}

/** Submits one job array of `hashes` (task i trains hashes[i]) and records its tasks. */
function submitArray(
  input: SubmitInput,
  hashes: readonly string[],
  after: string | null,
): SubmitResult["arrays"][number] {
  const { dirs } = input;
  const text = renderSbatch({
    sweepName: input.spec.name,
    dirs,
    hashes,
    slurm: input.slurm,
    nfx: input.nfx,
    backend: input.backend,
    after,
  });
  const draft = path.join(dirs.sbatch, `submit-${Date.now()}-${process.pid}.sh`);
  fs.writeFileSync(draft, text, { mode: 0o755 });
  let jobId: string;
  try {
    jobId = sbatch(draft);
  } catch (err) {
    // Nothing was queued: leave no script that looks submitted.
    fs.rmSync(draft, { force: true });
    throw err;
  }
  const script = path.join(dirs.sbatch, `${jobId}.sh`);
  fs.renameSync(draft, script);
  const submittedAt = new Date().toISOString();
  hashes.forEach((hash, task) => {
    writeTask(dirs, { hash, job_id: jobId, task, submitted_at: submittedAt });
  });
  return { jobId, script, tasks: hashes.length };
}
