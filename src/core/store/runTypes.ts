// What the store holds, as TypeScript sees it: run statuses, a stored run with its config, summary and environment,
// and the rows of the metrics, evals and artifacts tables.
import type { RunConfig } from "../config/schema.js";
import { ownerAliveHere, type RunOwner } from "./runOwner.js";

export const RUN_STATUSES = [
  "pending",
  "running",
  "completed",
  "diverged",
  "collapsed",
  "failed",
  "interrupted",
] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
/**
 * Statuses whose run is finished and is not re-run by a sweep. `diverged` and `collapsed` (core/train/outcome.ts)
 * are results — failures to train — not faults.
 */
export const DONE_STATUSES: ReadonlySet<RunStatus> = new Set<RunStatus>(["completed", "diverged", "collapsed"]);

export interface RunEnvironment {
  backend: string;
  backend_version: string;
  device: string;
  host: string;
  node_version: string;
  nfx_version: string;
  git_commit: string | null;
  git_dirty: boolean | null;
  /** Anything else worth keeping (package versions, threads, SIMD…). */
  extra: Record<string, unknown>;
}

export interface RunSummary {
  test_top1: number | null;
  final_loss: number | null;
  steps: number;
  images_per_s: number | null;
  [key: string]: unknown;
}

export interface StoredRun {
  id: number;
  config_hash: string;
  status: RunStatus;
  config: RunConfig;
  summary: RunSummary | null;
  error: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  duration_s: number | null;
  steps_total: number | null;
  steps_done: number;
  environment: RunEnvironment | null;
  attempts: number;
  owner: RunOwner | null;
  /**
   * Whether a running run's owner is alive, as this reader can tell at once: its pid on this host alive (true) or
   * gone (false: killed, e.g. kill -9 — the run stays `running` until a sweep re-queues it); null for an owner on
   * another host (a sweep judges it by its heartbeat changing: runOwner.HeartbeatWatch) and for runs not running.
   */
  owner_alive: boolean | null;
  heartbeat_at: string | null;
  /** Set on a run that the v3 re-hash found to repeat another (the id of the run that keeps the hash). */
  duplicate_of: number | null;
}

/** One flush of what running runs reported: written in a single transaction. */
export interface WriteBatch {
  metrics: { runId: number; rows: MetricRow[]; stepsDone: number }[];
  evals: { runId: number; step: number; split: string; top1: number; loss: number | null; n: number }[];
}

export interface OrphanedRun {
  id: number;
  reason: string;
}

export interface MetricRow {
  step: number;
  name: string;
  value: number;
}

export interface ArtifactRow {
  kind: string;
  path: string;
  sha256: string | null;
  bytes: number | null;
  created_at: string;
}

export interface EvalRow {
  step: number;
  split: string;
  top1: number;
  loss: number | null;
  n: number;
}

/** A row of the runs table as stored (the columns nfx reads back). */
export interface RunRow {
  id: number;
  config_hash: string;
  status: RunStatus;
  config_json: string;
  summary_json: string | null;
  error: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  duration_s: number | null;
  steps_total: number | null;
  steps_done: number;
  env_json: string | null;
  attempts: number;
  owner_host: string | null;
  owner_pid: number | null;
  heartbeat_at: string | null;
  duplicate_of?: number | null;
}

/** A row of the runs table as the run it stores (JSON columns parsed, owner as one value). */
export function toStoredRun(r: RunRow): StoredRun {
  return {
    id: r.id,
    config_hash: r.config_hash,
    status: r.status,
    config: JSON.parse(r.config_json) as RunConfig,
    summary: r.summary_json ? (JSON.parse(r.summary_json) as RunSummary) : null,
    error: r.error,
    created_at: r.created_at,
    started_at: r.started_at,
    finished_at: r.finished_at,
    duration_s: r.duration_s,
    steps_total: r.steps_total,
    steps_done: r.steps_done,
    environment: r.env_json ? (JSON.parse(r.env_json) as RunEnvironment) : null,
    attempts: r.attempts,
    owner: r.owner_host !== null && r.owner_pid !== null ? { host: r.owner_host, pid: r.owner_pid } : null,
    owner_alive: r.status === "running" ? ownerAliveHere(r.owner_host, r.owner_pid) : null,
    heartbeat_at: r.heartbeat_at,
    duplicate_of: r.duplicate_of ?? null,
  };
}

/** Now as an ISO-8601 UTC timestamp, the store's time format. */
export function now(): string {
  return new Date().toISOString();
}
