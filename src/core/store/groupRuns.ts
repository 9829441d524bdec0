// Replicates summarized: runs grouped by some fields (typically the ablation axes, leaving seeds to vary), each
// metric as mean ± the half-width of a 95% confidence interval (Student t, n − 1 degrees of freedom). Only runs that
// differ in nothing but the seed are pooled as seeds: config keys that differ inside a group split it further.

import { flatten } from "../config/dotted.js";
import { canonicalJson, configIdentity } from "../config/hash.js";
import { INERT_RULES } from "../config/inert.js";
import type { StoredRun } from "./runStore.js";
import { canonicalField, resolveField } from "./where/index.js";

/** Two-sided 97.5% quantiles of Student's t for 1..30 degrees of freedom. */
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11,
  2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

export function tQuantile975(df: number): number {
  if (df < 1) return Number.NaN;
  return T975[df - 1] ?? 1.96;
}

export interface MeanCi {
  n: number;
  mean: number | null;
  /** Half-width of the 95% CI; null with fewer than two values. */
  ci95: number | null;
  std: number | null;
}

export function meanCi(values: readonly number[]): MeanCi {
  const n = values.length;
  if (n === 0) return { n, mean: null, ci95: null, std: null };
  const mean = values.reduce((s, v) => s + v, 0) / n;
  if (n < 2) return { n, mean, ci95: null, std: null };
  const std = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1));
  return { n, mean, ci95: (tQuantile975(n - 1) * std) / Math.sqrt(n), std };
}

export interface RunGroup {
  /** The group's value of each field; INERT_CELL for a config key its runs' other keys make inert. */
  key: Record<string, unknown>;
  /** Why each field that reads INERT_CELL changes nothing in these runs ("clipping is off"); absent when none. */
  inert?: Record<string, string>;
  runs: number;
  ids: number[];
  statuses: Record<string, number>;
  metrics: Record<string, MeanCi>;
}

/**
 * What a group-by key reads for runs in which it changes nothing (config/inert.ts): an unclipped run's
 * `agc.exclude` is not "classifier_weight" — no layer is excluded from a clipping that does not happen.
 */
export const INERT_CELL = "n/a";

/** Why `field` (as the user wrote it) changes nothing in `run`, or null when it counts. */
function inertBecause(run: StoredRun, field: string): string | null {
  const key = canonicalField(field);
  const rule = INERT_RULES.find((r) => r.keys.includes(key) && r.when(run.config));
  return rule ? rule.because(run.config) : null;
}

/** "n/a: agc.exclude changes nothing in those runs (clipping is off)", one line per field; null when none reads n/a. */
export function inertNote(groups: readonly RunGroup[]): string | null {
  const why = new Map<string, Set<string>>();
  for (const g of groups)
    for (const [f, because] of Object.entries(g.inert ?? {})) why.set(f, (why.get(f) ?? new Set()).add(because));
  if (!why.size) return null;
  const lines = [...why].map(([f, b]) => `${INERT_CELL}: ${f} changes nothing in those runs (${[...b].join("; ")})`);
  return lines.join("\n");
}

/** The seed: the one config key whose replicates are pooled. */
export const SEED_KEY = "seed";

/** What a key reads as when the run's identity leaves it out (at its baseline, inert, or an execution detail). */
const NOT_IN_IDENTITY = "<not in identity>";

/**
 * A run's config keys (dotted, in config order) → the canonical JSON of their value in the run's identity
 * (config/hash.ts), so that keys which change nothing — the micro-batch, the exclusions of an unclipped run — never
 * tell runs apart.
 */
function flatConfig(run: StoredRun): Map<string, string> {
  const identity = configIdentity(run.config);
  const out = new Map<string, string>();
  for (const [k] of flatten(run.config as unknown as Record<string, unknown>)) {
    out.set(k, k in identity ? canonicalJson(identity[k] ?? null) : NOT_IN_IDENTITY);
  }
  for (const [k, v] of Object.entries(identity)) if (!out.has(k)) out.set(k, canonicalJson(v ?? null));
  return out;
}

/**
 * Config keys (dotted, seed excluded) whose values differ between runs that `groupOf` puts in one group: the keys a
 * grouping must also split by so that each group holds seed replicates of one config only. In schema order of first
 * appearance; empty when every group already differs only in the seed.
 */
export function keysDifferingWithin(runs: readonly StoredRun[], groupOf: (run: StoredRun) => string): string[] {
  const first = new Map<string, Map<string, string>>();
  const differ = new Set<string>();
  const order: string[] = [];
  for (const run of runs) {
    const flat = flatConfig(run);
    const g = groupOf(run);
    const seen = first.get(g);
    if (!seen) {
      first.set(g, flat);
      for (const k of flat.keys()) if (!order.includes(k)) order.push(k);
      continue;
    }
    for (const k of new Set([...seen.keys(), ...flat.keys()])) {
      if (!order.includes(k)) order.push(k);
      if (k !== SEED_KEY && (seen.get(k) ?? NOT_IN_IDENTITY) !== (flat.get(k) ?? NOT_IN_IDENTITY)) differ.add(k);
    }
  }
  return order.filter((k) => differ.has(k));
}

/** The grouping `by` (field names as the user wrote them) extended by the config keys that differ inside a group. */
export function seedPoolingKeys(runs: readonly StoredRun[], by: readonly string[]): string[] {
  const refs = by.map((f) => resolveField(f));
  const groupOf = (r: StoredRun) => canonicalJson(refs.map((ref) => ref.value(r) ?? null));
  const named = new Set(by.map(canonicalField));
  return keysDifferingWithin(runs, groupOf).filter((k) => !named.has(k));
}

/** Orders cells as people read them: numbers by value, text by its numbers then letters, null last. */
export function compareCells(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return 1;
  if (b === null || b === undefined) return -1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "number") return -1;
  if (typeof b === "number") return 1;
  return String(a).localeCompare(String(b), "en", { numeric: true });
}

/**
 * Runs grouped by the fields `by`, and further by any config key that differs inside a group (see
 * seedPoolingKeys: each group's key names those keys too), so that a group's n counts seeds of one config. Groups
 * are ordered by their key values (numbers numerically). Metrics: mean ± 95% CI over the group's finite values.
 */
export function groupRuns(runs: readonly StoredRun[], by: readonly string[], metrics: readonly string[]): RunGroup[] {
  const fields = [...by, ...seedPoolingKeys(runs, by)];
  const byRefs = fields.map((f) => [f, resolveField(f)] as const);
  const metricRefs = metrics.map((f) => [f, resolveField(f)] as const);
  const groups = new Map<
    string,
    { key: Record<string, unknown>; inert: Record<string, string>; members: StoredRun[] }
  >();
  for (const r of runs) {
    const inert: Record<string, string> = {};
    for (const [f] of byRefs) {
      const why = inertBecause(r, f);
      if (why !== null) inert[f] = why;
    }
    const key = Object.fromEntries(byRefs.map(([f, ref]) => [f, f in inert ? INERT_CELL : ref.value(r)]));
    const k = canonicalJson(Object.values(key).map((v) => v ?? null));
    let g = groups.get(k);
    if (!g) {
      g = { key, inert, members: [] };
      groups.set(k, g);
    }
    g.members.push(r);
  }
  const ordered = [...groups.values()].sort((a, b) => {
    for (const [f] of byRefs) {
      const c = compareCells(a.key[f], b.key[f]);
      if (c !== 0) return c;
    }
    return 0;
  });
  return ordered.map(({ key, inert, members }) => {
    const statuses: Record<string, number> = {};
    for (const m of members) statuses[m.status] = (statuses[m.status] ?? 0) + 1;
    const out: Record<string, MeanCi> = {};
    for (const [f, ref] of metricRefs) {
      const vals = members
        .map((m) => ref.value(m))
        .filter((v): v is number => typeof v === "number" && Number.isFinite(v));
      out[f] = meanCi(vals);
    }
    const why = Object.keys(inert).length ? { inert } : {};
    return { key, ...why, runs: members.length, ids: members.map((m) => m.id), statuses, metrics: out };
  });
}
