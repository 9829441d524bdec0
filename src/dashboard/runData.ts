// The Run view's data: one run as `nfx runs show --json` gives it (core/store/runQuery.runDetail), with its config
// split into the keys that differ from the defaults (first) and the rest, its per-step curves, its notes and tags.
import { flatten } from "../core/config/dotted.js";
import { canonicalJson } from "../core/config/hash.js";
import { CONFIG_KEYS } from "../core/config/schema.js";
import { notesOf } from "../core/store/runNotes.js";
import { runDetail } from "../core/store/runQuery.js";
import type { MetricRow, StoredRun } from "../core/store/runStore.js";
import { storeWritable } from "./notesData.js";
import { type ApiRequest, HttpError, withStore } from "./request.js";

export interface ConfigEntry {
  key: string;
  value: unknown;
  /** The schema's default (config/schema.ts CONFIG_KEYS); undefined for a model override, which has none. */
  default?: unknown;
}

/**
 * A run's config keys, those that differ from the schema's defaults first (in config order), then the others. A
 * key whose default is `auto` (taken from the model: MODEL_DEFAULTS) counts as at its default, and so does the
 * training revision, which nfx derives rather than the user sets.
 */
export function configVsDefaults(run: StoredRun): { differs: ConfigEntry[]; defaults: ConfigEntry[] } {
  const differs: ConfigEntry[] = [];
  const same: ConfigEntry[] = [];
  for (const [key, value] of flatten(run.config as unknown as Record<string, unknown>)) {
    const spec = CONFIG_KEYS[key];
    if (spec === undefined) {
      differs.push({ key, value });
      continue;
    }
    // The revision is derived (config/revision.ts: the latest that changed this config), never chosen.
    const atDefault =
      key === "revision" || spec.default === "auto" || canonicalJson(spec.default) === canonicalJson(value ?? null);
    (atDefault ? same : differs).push({ key, value, default: spec.default });
  }
  return { differs, defaults: same };
}

/** Per-step values of every metric, plus evaluations as `eval/<split>_top1` points: rows Vega-Lite draws. */
export function curvePoints(
  metrics: readonly MetricRow[],
  evals: readonly { step: number; split: string; top1: number }[],
) {
  return [
    ...metrics.map((m) => ({ step: m.step, metric: m.name, value: m.value })),
    ...evals.map((e) => ({ step: e.step, metric: `eval/${e.split}_top1`, value: e.top1 })),
  ];
}

/** GET /api/runs/:ref — ref is an id or a config-hash prefix, as `nfx runs show` takes it. */
export function runPage(req: ApiRequest, ref: string): unknown {
  return withStore(req.db, (store) => {
    let detail: ReturnType<typeof runDetail>;
    try {
      detail = runDetail(store, ref);
    } catch (err) {
      throw new HttpError(400, (err as Error).message);
    }
    if (!detail) throw new HttpError(404, `no run '${ref}' in the store`);
    return {
      run: detail,
      config: configVsDefaults(detail),
      curves: curvePoints(store.metrics(detail.id), detail.evals),
      notes: notesOf(store, [detail.id]).get(detail.id) ?? { note: null, tags: [] },
      writable: storeWritable(req.db),
    };
  });
}
