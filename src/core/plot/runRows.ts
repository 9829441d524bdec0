// Stored runs as flat rows for plotting: every config key dotted (`agc.lambda`), every summary metric, the status,
// the seed and the device the run ran on. A diverged run's top-1 counts as chance level: it stopped because its
// loss blew up, and leaving it out would hide exactly the instability the AGC figures are about.
import type { StoredRun } from "../store/runStore.js";
import { writeList, writeValue } from "../text/writtenForm.js";

export type Cell = number | string | boolean | null;
export type RunRow = Record<string, Cell>;

/** Classes of the datasets whose class count is not in the config (synthetic carries `data.num_classes`). */
const KNOWN_CLASS_COUNTS: Record<string, number> = { "fashion-mnist": 10, cifar10: 10, synthetic: 10 };

export function configValue(config: unknown, dotted: string): unknown {
  let cur: unknown = config;
  for (const part of dotted.split(".")) {
    if (cur === null || typeof cur !== "object" || !(part in cur)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function flattenInto(out: RunRow, prefix: string, value: unknown): void {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flattenInto(out, prefix ? `${prefix}.${k}` : k, v);
    return;
  }
  // Lists in nfx's one written form (core/text/writtenForm), as tables, CSV and --where show them.
  if (Array.isArray(value)) out[prefix] = writeList(value);
  else if (value === undefined) out[prefix] = null;
  else out[prefix] = value as Cell;
}

/** Chance-level top-1 of a run's dataset, or null when the class count is unknown. */
export function chanceTop1(run: StoredRun): number | null {
  const n = configValue(run.config, "data.num_classes") ?? KNOWN_CLASS_COUNTS[run.config.data.name];
  return typeof n === "number" && n > 0 ? 1 / n : null;
}

/** The top-1 a figure uses: the test top-1 of a completed run, chance level for a diverged one, else null. */
export function outcomeTop1(run: StoredRun): number | null {
  if (run.status === "completed") return run.summary?.test_top1 ?? null;
  if (run.status === "diverged") return chanceTop1(run);
  return null;
}

/** "wasm 4.22.0 on cpu (2 threads)": what a run ran on, from its recorded environment. */
export function deviceLabel(run: StoredRun): string {
  const env = run.environment;
  return env ? `${env.backend} ${env.backend_version} on ${env.device}` : "environment not recorded";
}

/** The set of devices a figure's runs ran on, for its subtitle. */
export function devicesSubtitle(runs: readonly StoredRun[]): string {
  const devices = [...new Set(runs.map(deviceLabel))].sort();
  return devices.length ? `ran on: ${devices.join("; ")}` : "no runs";
}

export function runRow(run: StoredRun): RunRow {
  const row: RunRow = {};
  flattenInto(row, "", run.config);
  for (const [k, v] of Object.entries(run.summary ?? {})) {
    if (typeof v === "number" || v === null) row[k] = v;
  }
  row.run_id = run.id;
  row.status = run.status;
  row.top1 = outcomeTop1(run);
  row.diverged = run.status === "diverged";
  row.device = deviceLabel(run);
  row.duration_s = run.duration_s;
  return row;
}

/** Config keys (dotted) whose values differ between the runs, seed excluded: what tells the runs' series apart. */
export function varyingConfigKeys(runs: readonly StoredRun[]): string[] {
  const values = new Map<string, Set<string>>();
  for (const run of runs) {
    const flat: RunRow = {};
    flattenInto(flat, "", run.config);
    for (const [k, v] of Object.entries(flat)) {
      if (k === "seed") continue;
      const set = values.get(k) ?? new Set<string>();
      set.add(JSON.stringify(v));
      values.set(k, set);
    }
  }
  return [...values.entries()].filter(([, s]) => s.size > 1).map(([k]) => k);
}

/** Short names of the ablation axes, for legends; other keys keep their dotted name. */
const SHORT_KEYS: Record<string, string> = {
  "agc.lambda": "λ",
  "agc.granularity": "clip",
  "agc.exclude": "unclipped",
  "train.batch_size": "B",
  "optim.lr": "lr",
  "model.name": "model",
};

export function shortKey(key: string): string {
  return SHORT_KEYS[key] ?? key;
}

/** "λ=0.01 · B=512" from the given keys of a run's config. */
export function seriesLabel(run: StoredRun, keys: readonly string[]): string {
  if (!keys.length) return "all runs";
  const flat: RunRow = {};
  flattenInto(flat, "", run.config);
  return keys.map((k) => `${shortKey(k)}=${writeValue(flat[k])}`).join(" · ");
}
