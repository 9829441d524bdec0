// Fig. 2(a): top-1 against batch size for the BN-ResNet, the NF-ResNet without clipping, and the NF-ResNet with
// AGC at the best λ of each batch size. Decides claims 1 (AGC NF-ResNets match BN-ResNets up to large batch; without
// AGC they degrade) and 3 (AGC helps little at small batch).
import { aggregate } from "../../core/plot/aggregate.js";
import { bandNote, metricRange } from "../../core/plot/bands.js";
import { meanCiSpec } from "../../core/plot/meanCiSpec.js";
import type { RunRow } from "../../core/plot/runRows.js";
import type { Comparison } from "../report/claimRule.js";
import {
  BATCH,
  chosenText,
  clippingText,
  crossFitPick,
  GRANULARITY,
  isBn,
  isClipped,
  isNf,
  isUnitAgc,
  LAMBDA,
  MODEL,
  modelSize,
  needRuns,
  numericLevels,
  where,
} from "./arms.js";
import { conditionsNote } from "./conditions.js";
import type { SweepFigure } from "./types.js";

export const ARM_BN = "BN-ResNet";
export const ARM_NO_CLIP = "NF-ResNet, no clipping";
/** λ picked per held-out seed on the other seeds (arms.ts crossFitPick): no winner's curse. */
export const ARM_AGC = "NF-ResNet + AGC (best λ, picked on other seeds)";
const ARM = "arm";

/**
 * Each run labelled with its arm; of the AGC runs, per batch size and seed, the one at the λ that was best on the
 * other seeds (`best_lambda`), so that the arm is not measured on the seeds that chose it.
 */
export function fig2aArms(rows: readonly RunRow[]): RunRow[] {
  const out: RunRow[] = [];
  for (const b of numericLevels(rows, BATCH)) {
    const atB = where(rows, BATCH, b);
    for (const r of atB.filter(isBn)) out.push({ ...r, [ARM]: ARM_BN });
    for (const r of atB.filter((x) => isNf(x) && !isClipped(x))) out.push({ ...r, [ARM]: ARM_NO_CLIP });
    const best = crossFitPick(
      atB.filter((x) => isNf(x) && isClipped(x)),
      LAMBDA,
      "best",
    );
    for (const r of best.rows) out.push({ ...r, [ARM]: ARM_AGC, best_lambda: r.picked ?? null });
  }
  return out;
}

const unclippedNf = (r: RunRow) => isNf(r) && !isClipped(r);
const nfAgc = (r: RunRow) => isNf(r) && isUnitAgc(r);

/** Claim 3 uses unit-wise AGC only (the paper's AGC), and NF-ResNets only; claim 1 also its BN-ResNet, unclipped. */
function refusesFor(claim: 1 | 3) {
  return (r: RunRow): string | null => {
    if (isBn(r) && claim === 3) return "a BN-ResNet: claim 3 compares NF-ResNets with and without AGC";
    if (isBn(r) && isClipped(r)) return `a BN-ResNet with ${clippingText(r)}: claim 1's BN-ResNet is unclipped`;
    if (isClipped(r) && !isUnitAgc(r)) return `${clippingText(r)}: claim ${claim}'s AGC is unit-wise`;
    return null;
  };
}

function armAt(rows: readonly RunRow[], arm: string, b: number): RunRow[] {
  return rows.filter((r) => r[ARM] === arm && r[BATCH] === b);
}

function pairAt(rows: readonly RunRow[], b: number, plus: string, minus: string): Comparison {
  const agc = armAt(rows, plus, b);
  const lambdas = chosenText(agc.map((r) => r.best_lambda ?? null));
  const label = (arm: string) => (arm === ARM_AGC && agc.length ? `${arm}: ${lambdas}` : arm);
  return {
    condition: `batch ${b}`,
    arms: [
      { label: label(plus), coef: 1, runs: agc },
      { label: label(minus), coef: -1, runs: armAt(rows, minus, b) },
    ],
  };
}

export const fig2a: SweepFigure = {
  name: "fig2a",
  title: "Top-1 against batch size: BN-ResNet, NF-ResNet, NF-ResNet + AGC (Fig. 2a)",
  description:
    "top-1 vs batch size for BN-ResNet, NF-ResNet without clipping and NF-ResNet with AGC (best λ per batch)",
  drawn: fig2aArms,
  leftOut: "NF-ResNet + AGC at a λ other than the one the other seeds of its batch size picked",
  spec(rows, subtitle, band) {
    const choice = { kind: band, range: metricRange("top1") };
    const points = aggregate(fig2aArms(rows), [ARM, BATCH], "top1", choice);
    return meanCiSpec({
      title: this.title,
      subtitle: [
        ...subtitle,
        ...conditionsNote(fig2aArms(rows)),
        bandNote(points, band, choice.range, "point"),
        "AGC: per seed, the λ best on the other seeds",
      ],
      points,
      x: { field: BATCH, title: "batch size", scale: "log" },
      y: { title: "test top-1", format: ".1%" },
      band: choice,
      color: { field: ARM, title: null, sort: [ARM_BN, ARM_NO_CLIP, ARM_AGC] },
      dodge: true,
    });
  },
  claims: [
    {
      id: 1,
      title: "With AGC, NF-ResNets match BN-ResNets up to large batch; without it they fall behind",
      paper:
        "Across batch sizes up to 4096, NF-ResNets trained with AGC reach the accuracy of batch-normalized ResNets or " +
        "better, while NF-ResNets without clipping lose accuracy or become unstable as the batch grows.",
      tests: [
        {
          measures:
            "top-1 of the NF-ResNet with AGC (per seed, the λ best on the other seeds) minus the BN-ResNet, at each batch size",
          kind: "notWorse",
          margin: 0.01,
          quantifier: "all",
          comparisons: (rows) => {
            const armed = fig2aArms(rows);
            return numericLevels(armed, BATCH).map((b) => pairAt(armed, b, ARM_AGC, ARM_BN));
          },
        },
        {
          measures:
            "top-1 of the NF-ResNet with AGC (per seed, the λ best on the other seeds) minus without clipping, at the largest batch size",
          kind: "better",
          margin: 0.005,
          quantifier: "all",
          comparisons: (rows) => {
            const armed = fig2aArms(rows);
            const b = numericLevels(armed, BATCH).at(-1);
            return b === undefined ? [] : [pairAt(armed, b, ARM_AGC, ARM_NO_CLIP)];
          },
        },
      ],
      match: {
        // The BN-ResNet is matched with the NF-ResNet of its size; its ghost batch norm's micro-batch may differ.
        varies: [MODEL, "train.micro_batch", LAMBDA, GRANULARITY, BATCH],
        matchedAs: { [MODEL]: modelSize },
        refuses: refusesFor(1),
        needs: [
          needRuns("BN-ResNet runs", isBn),
          needRuns("NF-ResNet runs without clipping", unclippedNf),
          needRuns("NF-ResNet runs with unit-wise AGC", nfAgc),
        ],
      },
    },
    {
      id: 3,
      title: "AGC helps little at small batch sizes",
      paper: "At the smallest batch sizes, adding AGC to an NF-ResNet changes its accuracy only a little.",
      tests: [
        {
          measures:
            "top-1 of the NF-ResNet with AGC (per seed, the λ best on the other seeds) minus without clipping, at the smallest batch size",
          kind: "small",
          margin: 0.01,
          quantifier: "all",
          comparisons: (rows) => {
            const armed = fig2aArms(rows);
            const b = numericLevels(armed, BATCH)[0];
            return b === undefined ? [] : [pairAt(armed, b, ARM_AGC, ARM_NO_CLIP)];
          },
        },
      ],
      match: {
        varies: [LAMBDA, GRANULARITY, BATCH],
        refuses: refusesFor(3),
        needs: [
          needRuns("NF-ResNet runs without clipping", unclippedNf),
          needRuns("NF-ResNet runs with unit-wise AGC", nfAgc),
        ],
      },
    },
  ],
};
