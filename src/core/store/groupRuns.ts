// Replicates summarized: runs grouped by some fields (typically the ablation axes, leaving seeds to vary), each
// metric as mean ± the half-width of a 95% confidence interval (Student t, n − 1 degrees of freedom).
import type { StoredRun } from "./runStore.js";
import { resolveField } from "./where/index.js";

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
  key: Record<string, unknown>;
  runs: number;
  ids: number[];
  statuses: Record<string, number>;
  metrics: Record<string, MeanCi>;
}

export function groupRuns(runs: readonly StoredRun[], by: readonly string[], metrics: readonly string[]): RunGroup[] {
  const byRefs = by.map((f) => [f, resolveField(f)] as const);
  const metricRefs = metrics.map((f) => [f, resolveField(f)] as const);
  const groups = new Map<string, { key: Record<string, unknown>; members: StoredRun[] }>();
  for (const r of runs) {
    const key = Object.fromEntries(byRefs.map(([f, ref]) => [f, ref.value(r)]));
    const k = JSON.stringify(Object.values(key));
    let g = groups.get(k);
    if (!g) {
      g = { key, members: [] };
      groups.set(k, g);
    }
    g.members.push(r);
  }
  return [...groups.values()].map(({ key, members }) => {
    const statuses: Record<string, number> = {};
    for (const m of members) statuses[m.status] = (statuses[m.status] ?? 0) + 1;
    const out: Record<string, MeanCi> = {};
    for (const [f, ref] of metricRefs) {
      const vals = members
        .map((m) => ref.value(m))
        .filter((v): v is number => typeof v === "number" && Number.isFinite(v));
      out[f] = meanCi(vals);
    }
    return { key, runs: members.length, ids: members.map((m) => m.id), statuses, metrics: out };
  });
}
