// Fig. 2(b)'s finding in its shape: the best λ per batch size — the threshold with the highest mean top-1 over the
// seeds at that batch size, no clipping counted as λ = ∞ (the weakest clipping of all) — and whether it moves down
// as the batch grows (PAPER.md claim 2: larger batches need a smaller λ). Used by the figure's subtitle and by
// scripts/seedSplit.ts --best-lambda, which asks it of each half of the seeds.
import type { RunRow } from "../../core/plot/runRows.js";
import { BATCH, isClipped, isNf, LAMBDA, numericLevels, where } from "./arms.js";

export interface BestLambda {
  batch: number;
  /** The best threshold; Infinity when no clipping beat every λ. */
  lambda: number;
  /** Its mean top-1 (fraction) and the runs it averages. */
  top1: number;
  runs: number;
  /** Mean top-1 of every arm at this batch size, in λ order (no clipping last). */
  arms: { lambda: number; top1: number; runs: number }[];
}

const lambdaOf = (r: RunRow): number => (isClipped(r) ? (r[LAMBDA] as number) : Number.POSITIVE_INFINITY);

/** The best λ at each batch size of the NF-ResNet runs (unit-wise AGC or no clipping), smallest batch first. */
export function bestLambdaByBatch(rows: readonly RunRow[]): BestLambda[] {
  const nf = rows.filter((r) => isNf(r) && typeof r.top1 === "number");
  return numericLevels(nf, BATCH).flatMap((batch) => {
    const atBatch = where(nf, BATCH, batch);
    const lambdas = [...new Set(atBatch.map(lambdaOf))].sort((a, b) => a - b);
    const arms = lambdas.map((lambda) => {
      const runs = atBatch.filter((r) => lambdaOf(r) === lambda);
      return { lambda, top1: runs.reduce((s, r) => s + (r.top1 as number), 0) / runs.length, runs: runs.length };
    });
    const best = arms.reduce<(typeof arms)[number] | null>((b, a) => (b === null || a.top1 > b.top1 ? a : b), null);
    return best ? [{ batch, lambda: best.lambda, top1: best.top1, runs: best.runs, arms }] : [];
  });
}

/** Whether the best λ at the largest batch is below the best λ at the smallest (null with fewer than 2 batches). */
export function bestLambdaShrinks(best: readonly BestLambda[]): boolean | null {
  const lo = best[0];
  const hi = best.at(-1);
  if (!lo || !hi || lo === hi) return null;
  return hi.lambda < lo.lambda;
}

export function lambdaText(lambda: number): string {
  return Number.isFinite(lambda) ? String(lambda) : "no clipping";
}

/** "best λ (highest mean top-1): B=64 no clipping · B=1024 0.01", for the figure's subtitle; null without runs. */
export function bestLambdaLine(rows: readonly RunRow[]): string | null {
  const best = bestLambdaByBatch(rows);
  if (best.length === 0) return null;
  const list = best.map((b) => `B=${b.batch} ${lambdaText(b.lambda)}`).join(" · ");
  return `best λ per batch size (highest mean top-1 over its seeds; no clipping counts as λ = ∞): ${list}`;
}
