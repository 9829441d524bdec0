// Stored runs as flat rows for plotting: every config key dotted (`agc.lambda`), every summary metric, the status,
// the seed and the device the run ran on. A diverged run's top-1 counts as chance level: it stopped because its
// loss blew up, and leaving it out would hide exactly the instability the AGC figures are about. A collapsed run
// (core/train/outcome.ts) counts at its measured top-1, which is at or near chance.
import { clippingOff } from "../agc/inputs.js";
import { type Plain, setDotted } from "../config/dotted.js";
import { EXECUTION_KEYS, inertKeys } from "../config/hash.js";
import type { RunConfig } from "../config/schema.js";
import { compareCells, keysDifferingWithin } from "../store/groupRuns.js";
import type { StoredRun } from "../store/runStore.js";
import { outcomeTop1 } from "../store/where/index.js";
import { writeList, writeValue } from "../text/writtenForm.js";

export type Cell = number | string | boolean | null;
export type RunRow = Record<string, Cell>;

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

// The figures' top-1 has one home, the store's run fields (so `--where top1` and `--y top1` agree).
export { chanceTop1, outcomeTop1 } from "../store/where/index.js";

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
  row.collapsed = run.status === "collapsed";
  row.device = deviceLabel(run);
  row.duration_s = run.duration_s;
  return row;
}

/**
 * Config keys (dotted) whose values differ between the runs' identities (config/hash.ts), seed excluded: what
 * tells the runs' series apart. Keys that change nothing (the micro-batch, inert keys such as the exclusions of
 * an unclipped run) never split runs into series.
 */
export function varyingConfigKeys(runs: readonly StoredRun[]): string[] {
  return keysDifferingWithin(runs, () => "");
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

/** The config a run's row was flattened from (runRow): its dotted keys set back into sections. */
function configOfRow(row: RunRow): RunConfig | null {
  if (!("agc.granularity" in row) || !("data.name" in row)) return null;
  const cfg: Plain = {};
  for (const [k, v] of Object.entries(row)) if (k.includes(".")) setDotted(cfg, k, v);
  return cfg as unknown as RunConfig;
}

/**
 * The parts of a run's label for `keys`: `key=value`, short key names. A key the run's other keys make inert
 * (config/inert.ts: the exclusions of a run that does not clip) is left out, so an unclipped run never reads as
 * if a layer were excluded from a clipping that does not happen; where that leaves the label without saying so,
 * "no clipping" stands in for those keys.
 */
export function labelParts(values: (key: string) => unknown, keys: readonly string[], cfg: RunConfig | null): string[] {
  const inert = new Set(cfg ? inertKeys(cfg) : []);
  const parts = keys.filter((k) => !inert.has(k)).map((k) => `${shortKey(k)}=${writeValue(values(k))}`);
  const saysNoClipping = keys.some((k) => (k === "agc.lambda" || k === "agc.granularity") && !inert.has(k));
  if (cfg && clippingOff(cfg.agc) && keys.some((k) => inert.has(k)) && !saysNoClipping) parts.push("no clipping");
  return parts;
}

/** "λ=0.01 · B=512" from the given keys of a row (config keys dotted, as runRow flattens them); inert keys left out. */
export function rowLabel(row: RunRow, keys: readonly string[]): string {
  if (!keys.length) return "all runs";
  return labelParts((k) => row[k], keys, configOfRow(row)).join(" · ") || "all runs";
}

/**
 * Each run's series label from `keys`, and the labels in reading order: by the keys' values, numbers numerically
 * (so B=64 comes before B=256 in a legend), none last.
 */
export function seriesOf(runs: readonly StoredRun[], keys: readonly string[]): { labels: string[]; order: string[] } {
  return seriesOfRows(runs.map(runRow), keys);
}

/** seriesOf over rows (any field, not only config keys). */
export function seriesOfRows(rows: readonly RunRow[], keys: readonly string[]): { labels: string[]; order: string[] } {
  const labels = rows.map((r) => rowLabel(r, keys));
  const first = new Map<string, RunRow>();
  rows.forEach((r, i) => {
    if (!first.has(labels[i] as string)) first.set(labels[i] as string, r);
  });
  const order = [...first.entries()]
    .sort(([, a], [, b]) => {
      for (const k of keys) {
        const c = compareCells(a[k] ?? null, b[k] ?? null);
        if (c !== 0) return c;
      }
      return 0;
    })
    .map(([label]) => label);
  return { labels, order };
}

/**
 * `keys` without those whose value the other keys (and `fixed`) already determine in these rows: splitting by them
 * changes no group (with λ in the label, `clip=none` adds nothing, since λ = none is what makes it none). Execution
 * keys (`train.micro_batch`) are tried first, so that where a micro-batch and a model determine each other (the
 * BN-ResNet's ghost batch norm beside NF-ResNets at auto), the label names the model.
 */
export function withoutDetermined(
  rows: readonly RunRow[],
  keys: readonly string[],
  fixed: readonly string[],
): string[] {
  let kept = [...keys];
  const execution = (k: string) => (EXECUTION_KEYS.includes(k) ? 0 : 1);
  for (const k of [...keys].sort((a, b) => execution(a) - execution(b))) {
    const others = [...fixed, ...kept.filter((o) => o !== k)];
    const seen = new Map<string, string>();
    let determined = true;
    for (const r of rows) {
      const id = JSON.stringify(others.map((o) => r[o] ?? null));
      const v = JSON.stringify(r[k] ?? null);
      if ((seen.get(id) ?? v) !== v) {
        determined = false;
        break;
      }
      seen.set(id, v);
    }
    if (determined) kept = kept.filter((o) => o !== k);
  }
  return kept;
}

/** Distinct values of `key` in reading order (numbers numerically, none last), written as legends show them. */
export function levelLabels(rows: readonly RunRow[], key: string): string[] {
  const values = [...new Map(rows.map((r) => [JSON.stringify(r[key] ?? null), r[key] ?? null])).values()];
  return values.sort(compareCells).map((v) => writeValue(v));
}

/** "λ=0.01 · B=512" from the given keys of a run's config; inert keys left out (labelParts). */
export function seriesLabel(run: StoredRun, keys: readonly string[]): string {
  if (!keys.length) return "all runs";
  const flat: RunRow = {};
  flattenInto(flat, "", run.config);
  return labelParts((k) => flat[k], keys, run.config).join(" · ") || "all runs";
}
