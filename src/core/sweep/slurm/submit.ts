// Submission: every run of the sweep that the store does not hold as finished, and that has no task in the queue,
// becomes one task of a single job array. The store (on the submit host) is the only SQLite file written here.
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
}

export interface SubmitResult {
  sweepId: number;
  total: number;
  /** Runs the store holds as finished. */
  done: number;
  /** Runs whose task is still queued or running (not submitted again). */
  waiting: number;
  /** Config hashes submitted now, in array order. */
  submitted: string[];
  jobId: string | null;
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
    return { ...base, submitted: [], jobId: null, script: null };
  }
  for (const r of todo) {
    fs.writeFileSync(path.join(dirs.runs, `${r.hash}.json`), `${JSON.stringify(r.config, null, 2)}\n`);
    // A shard from an earlier attempt was imported already (or belongs to a task that is gone): start clean.
    fs.rmSync(path.join(dirs.shards, `${r.hash}.db`), { force: true });
    fs.rmSync(path.join(dirs.shards, `${r.hash}.exit`), { force: true });
  }
  const hashes = todo.map((r) => r.hash);
  const text = renderSbatch({
    sweepName: input.spec.name,
    dirs,
    hashes,
    slurm: input.slurm,
    nfx: input.nfx,
    backend: input.backend,
  });
  const draft = path.join(dirs.sbatch, `submit-${Date.now()}.sh`);
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
  store.finishSweep(sweepId, { executor: "slurm", job_id: jobId, submitted: hashes.length });
  return { ...base, submitted: hashes, jobId, script };
}
