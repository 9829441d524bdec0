// What a sweep tells its caller: events while it runs (progress, waiting, stopping) and its outcome at the end.
// The core knows no terminal: commands turn these into lines on stderr or JSON (ui/progress.ts).

import type { BackendInfo } from "../engine/backend/backend.js";
import type { RunOwner } from "../store/runOwner.js";
import type { OrphanedRun, RunStatus } from "../store/runStore.js";
import type { ExpandedRun } from "./expand.js";
import type { ResumePoint } from "./resume.js";

/** A run of the grid that another live process is training. */
export interface HeldRun {
  id: number;
  hash: string;
  point: ExpandedRun["point"];
  /** The orchestrator that holds it (null for a run left `running` without an owner, e.g. by an old nfx). */
  owner: RunOwner | null;
  /**
   * Seconds this process has seen its heartbeat unchanged, on this host's clock (since its last change, or since
   * this process first looked; null if the owner never wrote one). Never the heartbeat's value against this host's
   * time: the owner's clock may be off by any amount.
   */
  heartbeatAgeSeconds: number | null;
  /** Whether this process has seen the heartbeat change (the owner writing). */
  heartbeatAdvancing: boolean;
}

export interface SweepEvents {
  sweepStart?(info: {
    sweepId: number;
    total: number;
    todo: number;
    skipped: number;
    /** Runs another live process is training right now (the sweep waits for them unless told not to). */
    elsewhere: number;
    orphans: OrphanedRun[];
    jobs: number;
  }): void;
  /** The first worker's backend is up. */
  backendReady?(backend: BackendInfo): void;
  runStart?(info: {
    run: ExpandedRun;
    id: number;
    slot: number;
    position: number;
    /** Runs this sweep trains, so far (it grows when a run taken over from a dead owner is queued). */
    todo: number;
    stepsTotal: number;
    /**
     * For a run that continues an earlier attempt: the checkpoint it continues from (its step and file) and the
     * newer recorded checkpoints passed over because they were not whole on disk. Null: it starts at step 0.
     */
    resumed: ResumePoint | null;
    /** The backend this attempt trains on (its worker's), null when not known yet. */
    backend: string | null;
  }): void;
  runStep?(info: { id: number; slot: number; step: number; stepsTotal: number; metrics: Record<string, number> }): void;
  runEnd?(info: {
    run: ExpandedRun;
    id: number;
    slot: number;
    status: RunStatus;
    testTop1: number | null;
    finalLoss: number | null;
    /** Seconds of this attempt. */
    seconds: number;
    /**
     * The run's whole training time in seconds, as stored (duration_s): this attempt's and, for a run resumed from a
     * checkpoint, its earlier attempts'.
     */
    totalSeconds: number;
    /** Steps trained in this attempt (a resumed run starts at its checkpoint's step); with `seconds`, its rate. */
    stepsTrained: number;
    error: string | null;
  }): void;
  /**
   * Nothing is left to train here but runs other live processes hold: the sweep waits for them. Said when it starts
   * waiting and again whenever the set of held runs or an owner changes.
   */
  waiting?(info: { runs: HeldRun[] }): void;
  /** Runs this sweep waited for whose owner is gone: marked interrupted and queued here. */
  reaped?(orphans: OrphanedRun[]): void;
  /** The sweep is stopping (signal or --fail-fast); running runs are being interrupted. */
  stopping?(why: string): void;
}

export interface SweepOutcome {
  sweepId: number;
  runIds: number[];
  ran: number;
  skipped: number;
  /** Runs another live process held when the sweep started. */
  elsewhere: number;
  orphans: number;
  statuses: Record<string, number>;
  /** Runs of the grid that ended neither done nor failed (pending, running or interrupted). */
  unfinished: number;
  /**
   * Runs of the grid stored `failed` at the end, failed now or before (and not retried), with their error. Diverged
   * and collapsed runs are results, not failures.
   */
  failedRuns: { id: number; hash: string; error: string | null }[];
  /** Runs another live process still held at the end (only when the sweep did not wait, or was stopped). */
  heldElsewhere: HeldRun[];
  interrupted: boolean;
  failedFast: boolean;
  jobs: number;
  backend: BackendInfo | null;
  /** Seconds the orchestrator spent writing the store, and seconds workers spent training (for overhead). */
  storeWriteSeconds: number;
  trainSeconds: number;
  wallSeconds: number;
  /** CPU seconds of the orchestrator process itself (user + system), workers not included. */
  orchestratorCpuSeconds: number;
}
