// Picking groups of runs out of a figure's rows: by model family, clipping, and the best λ of a set (chosen on other
// seeds than those it is measured on).

import { clippingOff } from "../../core/agc/agc.js";
import type { Cell, RunRow } from "../../core/plot/runRows.js";
import { mean } from "../../core/plot/stats.js";
import type { ClaimNeed } from "../report/claimRule.js";

export const MODEL = "model.name";
export const LAMBDA = "agc.lambda";
export const GRANULARITY = "agc.granularity";
export const EXCLUDE = "agc.exclude";
export const BATCH = "train.batch_size";

export const isBn = (r: RunRow): boolean => String(r[MODEL]).startsWith("bn-");
export const isNf = (r: RunRow): boolean => !isBn(r);
/** Clipping is on (agc/agc.ts clippingOff): a threshold is set and the granularity is not "none". */
export const isClipped = (r: RunRow): boolean =>
  !clippingOff({ granularity: String(r[GRANULARITY]), lambda: typeof r[LAMBDA] === "number" ? r[LAMBDA] : null });

/** Distinct numeric values of `key`, ascending. */
export function numericLevels(rows: readonly RunRow[], key: string): number[] {
  return [...new Set(rows.map((r) => r[key]).filter((v): v is number => typeof v === "number"))].sort((a, b) => a - b);
}

export function where(rows: readonly RunRow[], key: string, value: Cell): RunRow[] {
  return rows.filter((r) => r[key] === value);
}

export const SEED = "seed";

/** Unit-wise AGC, the paper's AGC. */
export const isUnitAgc = (r: RunRow): boolean => isClipped(r) && r[GRANULARITY] === "unit";

/** How a run clips, in the words a refusal uses: "no clipping", "unit-wise AGC", "layer-wise AGC", "global clipping". */
export function clippingText(r: RunRow): string {
  if (!isClipped(r)) return "no clipping";
  return r[GRANULARITY] === "global" ? "global clipping" : `${r[GRANULARITY]}-wise AGC`;
}

/** The model without its norm prefix: matched on it, a BN-ResNet pairs with the NF-ResNet of its size. */
export const modelSize = (name: unknown): unknown => (typeof name === "string" ? name.replace(/^(bn|nf)-/, "") : name);

/** A claim's need met by any matched run that `is` accepts. */
export function needRuns(what: string, is: (r: RunRow) => boolean): ClaimNeed {
  return { what, has: (rows) => rows.some(is) };
}

/** A claim's need met when the matched runs that `is` accepts take two or more values of `key`. */
export function needLevels(what: string, key: string, is: (r: RunRow) => boolean): ClaimNeed {
  return { what, has: (rows) => new Set(rows.filter(is).map((r) => JSON.stringify(r[key] ?? null))).size >= 2 };
}

/** A level chosen on other seeds, measured on a held-out one (see crossFitPick). */
export interface CrossFit {
  /** One run per held-out seed: the run at the level chosen on the other seeds; each carries `picked` = that level. */
  rows: RunRow[];
  /** The levels chosen, one per held-out seed, in seed order (written as the figure's legends write them). */
  chosen: Cell[];
}

/**
 * The winner's-curse guard for claims that pick "the best λ" (or the worst): leave-one-seed-out selection. For
 * each seed s, the level of `key` with the highest (`best`) or lowest (`worst`) mean top-1 over the runs of the
 * OTHER seeds is chosen, among the levels that have a run at s; the run (that level, s) is the measurement for s.
 * Choosing and measuring on the same seeds would bias a best-of-k arm upwards by about the noise's spread (on pure
 * noise, the best of 5 λs beats a fixed arm most of the time); measured on held-out seeds the arm is unbiased.
 * Seeds with no other seed to choose on give no measurement, so one seed yields nothing (not enough runs).
 * Ties go to the smaller level. Rows without a numeric top-1 are ignored.
 */
export function crossFitPick(rows: readonly RunRow[], key: string, pick: "best" | "worst"): CrossFit {
  const scored = rows.filter((r) => typeof r.top1 === "number" && Number.isFinite(r.top1));
  const seeds = [...new Set(scored.map((r) => r[SEED]))].sort(compareLevels);
  const levels = [...new Set(scored.map((r) => JSON.stringify(r[key] ?? null)))]
    .map((j) => JSON.parse(j) as Cell)
    .sort(compareLevels);
  const out: CrossFit = { rows: [], chosen: [] };
  for (const s of seeds) {
    let chosen: { level: Cell; score: number; run: RunRow } | null = null;
    for (const level of levels) {
      const atLevel = scored.filter((r) => (r[key] ?? null) === level);
      const run = atLevel.find((r) => r[SEED] === s);
      const others = atLevel.filter((r) => r[SEED] !== s).map((r) => r.top1 as number);
      if (!run || !others.length) continue;
      const score = (pick === "best" ? 1 : -1) * mean(others);
      if (!chosen || score > chosen.score) chosen = { level, score, run };
    }
    if (chosen) {
      out.rows.push({ ...chosen.run, picked: chosen.level });
      out.chosen.push(chosen.level);
    }
  }
  return out;
}

function compareLevels(a: Cell | undefined, b: Cell | undefined): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return 1;
  if (b === null || b === undefined) return -1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a).localeCompare(String(b));
}

/** "λ=0.01 (4 seeds), λ=0.02 (1 seed)": the levels a cross-fitted arm chose, with how often. */
export function chosenText(chosen: readonly Cell[], name = "λ"): string {
  if (!chosen.length) return "—";
  const counts = new Map<string, number>();
  for (const c of chosen) counts.set(String(c ?? "none"), (counts.get(String(c ?? "none")) ?? 0) + 1);
  return [...counts].map(([v, n]) => `${name}=${v} (${n} seed${n === 1 ? "" : "s"})`).join(", ");
}

export function lambdaLabel(v: Cell): string {
  return v === null ? "no clipping" : `λ=${v}`;
}
