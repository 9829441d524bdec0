// Checkpoints and exact resume, the orchestrator's side. A run's checkpoints live beside the store, in
// `checkpoints/<store file name>/<config hash>/` (so that a store and its checkpoints move together, like figures/ and report/); the
// worker writes them (train/checkpoint.ts), the orchestrator records each in the store once what precedes it is
// stored, prunes the old ones, and, when it claims a run that an earlier attempt left interrupted (kill -9, Ctrl-C,
// a crash, a preempted Slurm task) or failed, continues it from its newest checkpoint that is whole on disk.
import fs from "node:fs";
import path from "node:path";
import { fileFault } from "../base/files.js";
import { parseStepsOrDuration } from "../config/duration.js";
import type { RunConfig } from "../config/schema.js";
import {
  checkpointRows,
  forgetCheckpointsAfter,
  forgetStepCheckpoints,
  recordCheckpoint,
} from "../store/checkpointRecords.js";
import type { RunOwner } from "../store/runOwner.js";
import type { RunStatus, RunStore } from "../store/runStore.js";
import { readSafetensorsMetadata } from "../weights/safetensors.js";
import { CHECKPOINT_RECORD_KEY } from "../weights/weightsFile.js";
import type { FromWorker, RunCheckpoints } from "./protocol.js";
import type { StoreWriter } from "./storeWriter.js";

/**
 * The directory of a run's checkpoints: `checkpoints/<store file name>/<config hash>/` beside the store file. The
 * store's name is part of it: two stores in one directory may hold runs of one config, and each store's
 * checkpoints are its own (a second store would otherwise overwrite, or clean away, the first one's files).
 */
export function checkpointDir(storeFile: string, hash: string): string {
  const file = path.resolve(storeFile);
  return path.join(path.dirname(file), "checkpoints", path.basename(file), hash);
}

/** A checkpoint a claimed run continues from, and the recorded ones passed over (newer, but not whole). */
export interface ResumePoint {
  step: number;
  file: string;
  /**
   * The backend that wrote it (its record's, train/checkpoint.ts), null when the record does not say: a run
   * continued on another is not bit for bit the uninterrupted one, which the sweep says and records.
   */
  backend: string | null;
  skipped: { file: string; why: string }[];
}

/** The backend a checkpoint's record names, read from the file's header only; null when it names none. */
function checkpointBackend(file: string): string | null {
  try {
    const raw = readSafetensorsMetadata(file)[CHECKPOINT_RECORD_KEY];
    const record = raw ? (JSON.parse(raw) as { backend?: unknown }) : null;
    return typeof record?.backend === "string" ? record.backend : null;
  } catch {
    return null;
  }
}

/** The newest recorded step checkpoint of a run that is whole on disk, or null (then it starts at step 0). */
export function findResumePoint(store: RunStore, runId: number): ResumePoint | null {
  const skipped: ResumePoint["skipped"] = [];
  for (const c of checkpointRows(store, runId)) {
    if (c.final) continue;
    const why = fileFault(c.path, c.sha256, c.bytes);
    if (why === null) return { step: c.step, file: c.path, backend: checkpointBackend(c.path), skipped };
    skipped.push({ file: c.path, why });
  }
  return null;
}

function removeFiles(paths: readonly string[]): void {
  for (const p of paths) fs.rmSync(p, { force: true });
}

/**
 * Deletes the files in a run's checkpoint directory that the store does not record for it: temporary files of a
 * write that was killed, checkpoints whose recording a kill prevented, files of a deleted run of the same hash.
 */
function removeUnrecorded(store: RunStore, runId: number, dir: string): void {
  let files: string[];
  try {
    files = fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => path.join(dir, e.name));
  } catch {
    return;
  }
  const kept = new Set(checkpointRows(store, runId).map((c) => path.resolve(c.path)));
  removeFiles(files.filter((p) => !kept.has(path.resolve(p))));
}

/**
 * Claims a run for `owner` (see RunStore.claimRun), continuing from its newest whole checkpoint when it has one:
 * the records of later steps, and the checkpoints after it, are dropped. Returns the run's checkpoint settings
 * for its worker, or null when another process took the run (or it was settled) first.
 */
export function claimResuming(
  store: RunStore,
  run: { id: number; hash: string; config: RunConfig },
  owner: RunOwner,
  retryFailed: boolean,
): { checkpoints: RunCheckpoints; resume: ResumePoint | null } | null {
  const resume = findResumePoint(store, run.id);
  if (!store.claimRun(run.id, owner, retryFailed, resume?.step ?? null)) return null;
  removeFiles(forgetCheckpointsAfter(store, run.id, resume?.step ?? null));
  const dir = checkpointDir(store.file, run.hash);
  removeUnrecorded(store, run.id, dir);
  return {
    checkpoints: {
      dir,
      every: parseStepsOrDuration(run.config.train.checkpoint_every),
      resume: resume?.file ?? null,
      configHash: run.hash,
    },
    resume,
  };
}

/**
 * Records a checkpoint a worker reported, after writing everything it reported before (so the store holds every
 * step up to it), and deletes the checkpoints it makes redundant (train.keep_checkpoints; all step checkpoints
 * once the final state is saved). A checkpoint of a run this process no longer holds is deleted.
 */
export function onCheckpoint(
  store: RunStore,
  writer: StoreWriter,
  owner: RunOwner,
  msg: Extract<FromWorker, { type: "checkpoint" }>,
  config: RunConfig,
): void {
  writer.flush();
  const ckpt = { path: msg.file, step: msg.step, final: msg.final, sha256: msg.sha256, bytes: msg.bytes };
  const dropped = recordCheckpoint(store, msg.id, owner, ckpt, config.train.keep_checkpoints);
  removeFiles(dropped ?? [msg.file]);
}

/** Statuses after which a run is never continued: its step checkpoints go (its final state stays). */
const ENDED: ReadonlySet<RunStatus> = new Set<RunStatus>(["completed", "collapsed", "diverged"]);

/** Deletes the step checkpoints of a run that ended with `status`, if it will never be continued. */
export function onRunEnded(store: RunStore, runId: number, status: RunStatus): void {
  if (ENDED.has(status)) removeFiles(forgetStepCheckpoints(store, runId));
}

/**
 * Deletes runs from the store (metrics, evals, artifacts, sweep links) and then their checkpoint directories
 * (`checkpoints/<store file name>/<config hash>/` beside the store: nfx's own files, nothing else is kept there).
 * @returns how many runs were deleted and how many bytes of checkpoints were removed.
 * @throws the store's error when the delete fails; then no file is removed.
 */
export function deleteRunsAndCheckpoints(
  store: RunStore,
  runs: readonly { id: number; config_hash: string }[],
): { deleted: number; checkpointBytes: number } {
  const deleted = store.deleteRuns(runs.map((r) => r.id));
  let checkpointBytes = 0;
  for (const run of runs) {
    const dir = checkpointDir(store.file, run.config_hash);
    if (!fs.existsSync(dir)) continue;
    for (const f of fs.readdirSync(dir)) checkpointBytes += fs.statSync(path.join(dir, f)).size;
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return { deleted, checkpointBytes };
}
