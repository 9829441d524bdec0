// A run's checkpoints as the store records them: rows of the artifacts table of kind `checkpoint`, with the step
// and whether it is the run's final state in meta_json. The sweep's single writer records a checkpoint only after
// the metrics and evaluations that precede it, so a recorded checkpoint of step N means every step before N is
// stored; a resumed run's records are cut back to N when it is claimed (runClaims.claimRun). Paths are recorded
// relative to the store's directory and read back absolute (artifactPaths.ts), so a moved store keeps them.
import { resolveArtifactPath, storedArtifactPath } from "./artifactPaths.js";
import type { StoreConn } from "./connection.js";
import type { RunOwner } from "./runOwner.js";
import { now } from "./runTypes.js";

export const CHECKPOINT_KIND = "checkpoint";

export interface CheckpointRow {
  /** Absolute, resolved against the store's directory (artifactPaths.resolveArtifactPath). */
  path: string;
  step: number;
  final: boolean;
  sha256: string | null;
  bytes: number | null;
  created_at: string;
}

/** A row with the path as the store holds it (the key its row is deleted by). */
interface RecordedCheckpoint extends CheckpointRow {
  stored: string;
}

function recordedRows(store: StoreConn, runId: number): RecordedCheckpoint[] {
  const rows = store.db
    .prepare("SELECT path, sha256, bytes, created_at, meta_json FROM artifacts WHERE run_id = ? AND kind = ?")
    .all(runId, CHECKPOINT_KIND) as {
    path: string;
    sha256: string | null;
    bytes: number | null;
    created_at: string;
    meta_json: string | null;
  }[];
  return rows
    .map((r) => {
      const meta = (r.meta_json ? JSON.parse(r.meta_json) : {}) as { step?: number; final?: boolean };
      return {
        stored: r.path,
        path: resolveArtifactPath(store.file, r.path, r.sha256, r.bytes),
        step: meta.step ?? -1,
        final: meta.final === true,
        sha256: r.sha256,
        bytes: r.bytes,
        created_at: r.created_at,
      };
    })
    .sort((a, b) => b.step - a.step || Number(b.final) - Number(a.final));
}

/**
 * A run's recorded checkpoints, newest step first (the final state before a step checkpoint of the same step), with
 * absolute paths: found where the store is now when it was moved (artifactPaths.resolveArtifactPath).
 */
export function checkpointRows(store: StoreConn, runId: number): CheckpointRow[] {
  return recordedRows(store, runId).map(({ stored: _stored, ...row }) => row);
}

/**
 * Records a checkpoint file of a run that `owner` holds and forgets the step checkpoints it makes redundant: those
 * beyond the newest `keep`, or all of them when this is the final state. One transaction. Returns the paths whose
 * rows were removed (the caller deletes the files), or null when `owner` no longer holds the run (nothing
 * recorded: the caller deletes the new file).
 */
export function recordCheckpoint(
  store: StoreConn,
  runId: number,
  owner: RunOwner,
  ckpt: { path: string; step: number; final: boolean; sha256: string; bytes: number },
  keep: number,
): string[] | null {
  return store.write(`recording a checkpoint of run ${runId}`, () => {
    const held = store.db
      .prepare("SELECT 1 FROM runs WHERE id = ? AND status = 'running' AND owner_host = ? AND owner_pid = ?")
      .get(runId, owner.host, owner.pid);
    if (!held) return null;
    store.db
      .prepare(
        `INSERT INTO artifacts (run_id, kind, path, sha256, bytes, created_at, meta_json) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (run_id, kind, path) DO UPDATE SET sha256 = excluded.sha256, bytes = excluded.bytes,
           created_at = excluded.created_at, meta_json = excluded.meta_json`,
      )
      .run(
        runId,
        CHECKPOINT_KIND,
        storedArtifactPath(store.file, ckpt.path),
        ckpt.sha256,
        ckpt.bytes,
        now(),
        JSON.stringify({ step: ckpt.step, final: ckpt.final }),
      );
    const steps = recordedRows(store, runId).filter((r) => !r.final);
    const drop = ckpt.final ? steps : steps.slice(Math.max(1, keep));
    return forget(store, runId, drop);
  });
}

/**
 * Forgets a run's step checkpoints after `step` (all of them for null), and its final state when `step` is null:
 * what a new attempt from `step` will write again. Returns the paths of the rows removed.
 */
export function forgetCheckpointsAfter(store: StoreConn, runId: number, step: number | null): string[] {
  return store.write(`forgetting checkpoints of run ${runId}`, () =>
    forget(
      store,
      runId,
      recordedRows(store, runId).filter((r) => step === null || (!r.final && r.step > step)),
    ),
  );
}

/** Forgets every step checkpoint of a run (one that ended and will not be resumed); its final state stays. */
export function forgetStepCheckpoints(store: StoreConn, runId: number): string[] {
  return store.write(`forgetting checkpoints of run ${runId}`, () =>
    forget(
      store,
      runId,
      recordedRows(store, runId).filter((r) => !r.final),
    ),
  );
}

function forget(store: StoreConn, runId: number, rows: readonly RecordedCheckpoint[]): string[] {
  const del = store.db.prepare("DELETE FROM artifacts WHERE run_id = ? AND kind = ? AND path = ?");
  for (const r of rows) del.run(runId, CHECKPOINT_KIND, r.stored);
  return rows.map((r) => r.path);
}
