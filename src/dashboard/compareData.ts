// The Compare view's data: chosen runs' configs side by side with the keys that differ marked, their curves
// labelled by series (every config key they differ in but the seed, so seeds of one config form one band), and
// per varying key the share of the metric's variance it explains.
import { flatten } from "../core/config/dotted.js";
import { canonicalJson } from "../core/config/hash.js";
import { runRow, seriesOf, varyingConfigKeys } from "../core/plot/runRows.js";
import type { RunStore, StoredRun } from "../core/store/runStore.js";
import { resolveField } from "../core/store/where/index.js";
import { type ApiRequest, HttpError, param, withStore } from "./request.js";
import { curvePoints } from "./runData.js";

/** The most runs one comparison reads (its curves are drawn in the browser). */
const MAX_COMPARED = 200;

/** Each config key (dotted, in order of first appearance) with every run's value and whether they differ. */
export function configDiff(runs: readonly StoredRun[]): { key: string; values: unknown[]; differs: boolean }[] {
  const flat = runs.map((r) => flatten(r.config as unknown as Record<string, unknown>));
  const keys: string[] = [];
  for (const f of flat) for (const k of f.keys()) if (!keys.includes(k)) keys.push(k);
  return keys.map((key) => {
    const values = flat.map((f) => f.get(key) ?? null);
    const differs = new Set(values.map((v) => canonicalJson(v))).size > 1;
    return { key, values, differs };
  });
}

/**
 * η² of `metric` for each key: the between-groups sum of squares over the total (one-way ANOVA's effect size),
 * grouping the runs by the key's value. 0: the key explains none of the metric's spread in these runs; 1: all
 * of it. Keys are varied jointly in a sweep, so each η² is marginal (not a partial effect). Runs without a finite
 * value are left out; null with fewer than 3 values or no spread.
 */
export function etaSquared(runs: readonly StoredRun[], keys: readonly string[], metric: string) {
  const ref = resolveField(metric);
  const valued = runs
    .map((r) => ({ r, y: ref.value(r) }))
    .filter((v): v is { r: StoredRun; y: number } => typeof v.y === "number" && Number.isFinite(v.y));
  const mean = valued.reduce((s, v) => s + v.y, 0) / Math.max(1, valued.length);
  const total = valued.reduce((s, v) => s + (v.y - mean) ** 2, 0);
  return keys.map((key) => {
    if (valued.length < 3 || total === 0) return { key, eta2: null, groups: 0 };
    const k = resolveField(key);
    const groups = new Map<string, number[]>();
    for (const v of valued) {
      const g = canonicalJson(k.value(v.r) ?? null);
      groups.set(g, [...(groups.get(g) ?? []), v.y]);
    }
    let between = 0;
    for (const ys of groups.values()) between += ys.length * (ys.reduce((s, y) => s + y, 0) / ys.length - mean) ** 2;
    return { key, eta2: between / total, groups: groups.size };
  });
}

function runsNamed(store: RunStore, refs: readonly string[]): StoredRun[] {
  return refs.map((ref) => {
    let run: StoredRun | undefined;
    try {
      run = store.getRun(ref);
    } catch (err) {
      throw new HttpError(400, (err as Error).message);
    }
    if (!run) throw new HttpError(404, `no run '${ref}' in the store`);
    return run;
  });
}

/** GET /api/compare?ids=1,2,…&metric=test_top1 */
export function compareRuns(req: ApiRequest): unknown {
  const refs = (param(req, "ids") ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (refs.length < 1) throw new HttpError(400, "ids: name the runs to compare (ids or config-hash prefixes)");
  if (refs.length > MAX_COMPARED) throw new HttpError(400, `ids: at most ${MAX_COMPARED} runs at once`);
  const metric = param(req, "metric") ?? "test_top1";
  return withStore(req.db, (store) => {
    const runs = runsNamed(store, refs);
    const keys = varyingConfigKeys(runs);
    const { labels, order } = seriesOf(runs, keys);
    const curves = runs.flatMap((run, i) =>
      curvePoints(store.metrics(run.id), store.evals(run.id)).map((p) => ({
        ...p,
        run: run.id,
        series: labels[i] as string,
      })),
    );
    return {
      runs: runs.map((r, i) => ({
        id: r.id,
        config_hash: r.config_hash,
        status: r.status,
        series: labels[i],
        row: runRow(r),
      })),
      config: configDiff(runs),
      series: { keys, order },
      effects: {
        metric,
        method: "η² = between-groups / total sum of squares of the metric, runs grouped by the key (one-way ANOVA)",
        keys: etaSquared(runs, keys, metric),
      },
      curves,
    };
  });
}
