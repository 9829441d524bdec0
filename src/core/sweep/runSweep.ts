// The sweep orchestrator: the single writer of the store. It registers every run of a sweep by config hash,
// skips the ones already done, trains the rest and writes what they report in batched transactions.
import { canonicalJson } from "../config/hash.js";
import type { RunConfig } from "../config/schema.js";
import { type Dataset, loadDataset } from "../data/index.js";
import { type BackendInfo, type BackendName, initBackend } from "../engine/backend.js";
import { resolveModelSpec } from "../models/index.js";
import { DONE_STATUSES, type MetricRow, type RunStatus, type RunStore } from "../store/runStore.js";
import { trainRun } from "../train/trainRun.js";
import { runEnvironment } from "./environment.js";
import type { ExpandedRun, SweepSpec } from "./expand.js";

export interface SweepEvents {
  sweepStart?(info: { sweepId: number; total: number; todo: number; skipped: number; backend: BackendInfo }): void;
  runStart?(info: { run: ExpandedRun; id: number; position: number; todo: number; stepsTotal: number }): void;
  runStep?(info: { id: number; step: number; stepsTotal: number; metrics: Record<string, number> }): void;
  runEnd?(info: {
    run: ExpandedRun;
    id: number;
    status: RunStatus;
    testTop1: number | null;
    seconds: number;
    error: string | null;
  }): void;
}

export interface SweepOptions {
  backend: BackendName;
  retryFailed?: boolean;
  /** Aborting marks the running run interrupted and stops the sweep. */
  signal?: AbortSignal;
  events?: SweepEvents;
  /** Metrics are flushed to the store every this many steps (and at the end). */
  flushEvery?: number;
}

export interface SweepOutcome {
  sweepId: number;
  runIds: number[];
  ran: number;
  skipped: number;
  statuses: Record<string, number>;
  interrupted: boolean;
  backend: BackendInfo;
}

/** Checks what can be checked before anything is written: model names and overrides, dataset names. */
export function validateRuns(runs: readonly ExpandedRun[]): void {
  const seen = new Set<string>();
  for (const r of runs) {
    const key = canonicalJson(r.config.model);
    if (seen.has(key)) continue;
    seen.add(key);
    resolveModelSpec(r.config.model);
  }
}

function dataKey(cfg: RunConfig): string {
  return canonicalJson({ ...cfg.data, augment: null, train_size: null, test_size: null, seed: cfg.seed });
}

export async function runSweep(
  store: RunStore,
  spec: SweepSpec,
  file: string | null,
  runs: readonly ExpandedRun[],
  opts: SweepOptions,
): Promise<SweepOutcome> {
  validateRuns(runs);
  const datasets = new Map<string, Dataset>();
  // Datasets are loaded (and so validated) before the first row is written.
  for (const r of runs) {
    const key = dataKey(r.config);
    if (!datasets.has(key)) datasets.set(key, await loadDataset({ ...r.config.data, seed: r.config.seed }));
  }
  const backend = await initBackend(opts.backend);
  const env = runEnvironment(backend);

  const sweepId = store.createSweep(spec.name, file, spec);
  const registered = runs.map((r) => ({ run: r, ...store.ensureRun(r.config, r.hash, sweepId) }));
  const todo = registered.filter(
    (r) => !DONE_STATUSES.has(r.status) && (r.status !== "failed" || opts.retryFailed === true),
  );
  const skipped = registered.length - todo.length;
  opts.events?.sweepStart?.({ sweepId, total: registered.length, todo: todo.length, skipped, backend });

  const flushEvery = opts.flushEvery ?? 20;
  let ran = 0;
  let interrupted = false;
  for (const [position, r] of todo.entries()) {
    if (opts.signal?.aborted) {
      interrupted = true;
      break;
    }
    const cfg = r.run.config;
    const dataset = datasets.get(dataKey(cfg)) as Dataset;
    const pending: MetricRow[] = [];
    let stepsTotal = 0;
    let stepsDone = 0;
    const started = performance.now();
    const flush = () => {
      if (pending.length) store.appendMetrics(r.id, pending.splice(0), stepsDone);
    };
    let status: RunStatus;
    let error: string | null = null;
    let testTop1: number | null = null;
    try {
      const result = await trainRun(cfg, dataset, {
        start: (info) => {
          stepsTotal = info.stepsTotal;
          store.startRun(r.id, env, info.stepsTotal);
          opts.events?.runStart?.({ run: r.run, id: r.id, position, todo: todo.length, stepsTotal });
        },
        step: (step, metrics) => {
          for (const [name, value] of Object.entries(metrics)) pending.push({ step, name, value });
          stepsDone = step + 1;
          if (stepsDone % flushEvery === 0) flush();
          opts.events?.runStep?.({ id: r.id, step, stepsTotal, metrics });
        },
        eval: (step, split, top1, loss, n) => {
          flush();
          store.addEval(r.id, step, split, top1, loss, n);
        },
        shouldStop: () => opts.signal?.aborted === true,
      });
      flush();
      status = result.status;
      error = result.reason && result.status !== "completed" ? result.reason : null;
      testTop1 = result.testTop1;
      store.finishRun(
        r.id,
        status,
        {
          test_top1: result.testTop1,
          final_loss: result.finalLoss,
          steps: result.steps,
          images_per_s: result.imagesPerS,
          micro_batch: result.microBatch.micro,
          micro_batch_source: result.microBatch.source,
          ghost_batch_norm: result.microBatch.ghostBatchNorm,
        },
        error,
      );
    } catch (err) {
      flush();
      status = "failed";
      error = err instanceof Error ? err.message : String(err);
      store.finishRun(r.id, status, null, error);
    }
    ran++;
    opts.events?.runEnd?.({
      run: r.run,
      id: r.id,
      status,
      testTop1,
      seconds: (performance.now() - started) / 1000,
      error,
    });
    if (status === "interrupted") {
      interrupted = true;
      break;
    }
  }
  const ids = registered.map((r) => r.id);
  const statuses: Record<string, number> = {};
  for (const id of ids) {
    const s = store.getRun(id)?.status ?? "pending";
    statuses[s] = (statuses[s] ?? 0) + 1;
  }
  return { sweepId, runIds: ids, ran, skipped, statuses, interrupted, backend };
}
