// The Sweeps view's data: every sweep invocation with its runs counted by status and its progress in steps, and
// one sweep's runs with their loss and top-1 curves. The page polls these (every second): a sweep that another
// process is running shows up, and its curves grow, as soon as its writer commits.
import { getDotted } from "../core/config/dotted.js";
import { inertKeys } from "../core/config/hash.js";
import type { VegaLiteSpec } from "../core/plot/render.js";
import { runLabel, sweepComparisonSpec } from "../core/plot/sweepPlot.js";
import type { RunStore, StoredRun } from "../core/store/runStore.js";
import { type ApiRequest, HttpError, withStore } from "./request.js";

interface SweepRow {
  id: number;
  name: string;
  file: string | null;
  created_at: string;
  finished_at: string | null;
  host: string | null;
  pid: number | null;
  runs: number;
  steps_done: number | null;
  steps_total: number | null;
}

/** GET /api/sweeps: newest first, each with its runs' statuses and steps done of steps planned. */
export function sweepsList(req: ApiRequest): unknown {
  return withStore(req.db, (store) =>
    store.read(() => {
      const sweeps = store.db
        .prepare(
          `SELECT s.id, s.name, s.file, s.created_at, s.finished_at, s.host, s.pid, count(r.id) AS runs,
             sum(r.steps_done) AS steps_done, sum(r.steps_total) AS steps_total
           FROM sweeps s LEFT JOIN sweep_runs sr ON sr.sweep_id = s.id LEFT JOIN runs r ON r.id = sr.run_id
           GROUP BY s.id ORDER BY s.id DESC`,
        )
        .all() as SweepRow[];
      const statuses = store.db
        .prepare(
          "SELECT sr.sweep_id AS id, r.status, count(*) AS n FROM sweep_runs sr JOIN runs r ON r.id = sr.run_id GROUP BY 1, 2",
        )
        .all() as { id: number; status: string; n: number }[];
      return sweeps.map((s) => ({
        ...s,
        statuses: Object.fromEntries(statuses.filter((x) => x.id === s.id).map((x) => [x.status, x.n])),
      }));
    }),
  );
}

/** GET /api/sweeps/:id: the sweep's runs (as `nfx runs` gives them) and their loss per step and top-1 per evaluation. */
export function sweepPage(req: ApiRequest, idText: string): unknown {
  if (!/^\d+$/.test(idText)) throw new HttpError(404, `no sweep '${idText}'`);
  const id = Number(idText);
  return withStore(req.db, (store) =>
    store.read(() => {
      const sweep = store.db
        .prepare("SELECT id, name, file, created_at, finished_at, spec_json FROM sweeps WHERE id = ?")
        .get(id) as (Record<string, unknown> & { name: string; spec_json: string }) | undefined;
      if (!sweep) throw new HttpError(404, `no sweep ${id} in the store`);
      const { spec_json, ...shown } = sweep;
      const runs = store.listRuns({ sweepId: id });
      const curves = store.db
        .prepare(
          `SELECT m.run_id AS run, m.step, m.name AS metric, m.value FROM metrics m JOIN sweep_runs sr
             ON sr.run_id = m.run_id WHERE sr.sweep_id = ? AND m.name = 'loss'
           UNION ALL
           SELECT e.run_id, e.step, 'eval/' || e.split || '_top1', e.top1 FROM evals e JOIN sweep_runs sr
             ON sr.run_id = e.run_id WHERE sr.sweep_id = ?
           ORDER BY 1, 3, 2`,
        )
        .all(id, id);
      return { sweep: shown, runs: runs.map(brief), curves, figure: sweepFigure(store, sweep.name, spec_json, runs) };
    }),
  );
}

/** The sweep file's axes, in the order `nfx sweep` lays its figure out by (experiments/sweepFile.ts sweepAxes). */
function axesOf(specJson: string): string[] {
  try {
    const spec = JSON.parse(specJson) as {
      grid?: [string, unknown][];
      zip?: [string, unknown][];
      random?: { params?: [string, unknown][] } | null;
    };
    return [...(spec.grid ?? []), ...(spec.zip ?? []), ...(spec.random?.params ?? [])].map(([key]) => key);
  } catch {
    return [];
  }
}

/**
 * The figure `nfx sweep` draws for this sweep (core/plot/sweepPlot.ts), of its runs with a result so far; null
 * while none has one. A run's label is its axis values as it ran (keys its config makes inert left out).
 */
function sweepFigure(store: RunStore, name: string, specJson: string, runs: readonly StoredRun[]): VegaLiteSpec | null {
  const axes = axesOf(specJson);
  const done = runs.filter((r) => r.status !== "pending" && r.status !== "running");
  if (!done.length) return null;
  const plotted = done.map((run) => {
    const inert = new Set(inertKeys(run.config));
    const point = Object.fromEntries(
      axes.filter((k) => !inert.has(k)).map((k) => [k, getDotted(run.config, k) ?? null]),
    );
    return { run, label: runLabel(point, run) };
  });
  return sweepComparisonSpec(store, `nfx sweep: ${name}`, plotted, axes.length ? axes : null);
}

function brief(r: StoredRun) {
  return {
    id: r.id,
    status: r.status,
    steps_done: r.steps_done,
    steps_total: r.steps_total,
    lambda: r.config.agc.lambda,
    seed: r.config.seed,
    test_top1: r.summary?.test_top1 ?? null,
  };
}
