// Clip granularity: unit-wise vs layer-wise AGC vs global gradient-norm clipping across thresholds, one panel per
// batch size, with LARS (no clipping) as a dashed reference. Decides claims 4 (unit-wise beats layer-wise) and 7
// whole (global-norm clipping is very sensitive to its threshold; LARS trains at large batch but below AGC's best).
// For global clipping the threshold is the maximum global gradient norm, not a ratio. The clipping arms are SGD
// (the paper's optimizer); LARS is optim.name lars (core/optim/lars.ts).

import { datasetFacts } from "../../core/data/datasets.js";
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
  LAMBDA,
  needLevels,
  needRuns,
  numericLevels,
  where,
} from "./arms.js";
import { conditionsNote } from "./conditions.js";
import { OPTIM, optimizerOf } from "./optimizers.js";
import type { SweepFigure } from "./types.js";

const isGranularity = (g: string) => (r: RunRow) => isClipped(r) && r[GRANULARITY] === g;

const ORDER = ["unit", "layer", "global"];

const LARS_LABEL = "LARS";

function clippedNf(rows: readonly RunRow[]): RunRow[] {
  return rows.filter((r) => isNf(r) && isClipped(r) && optimizerOf(r) === "sgd");
}

/** Claim 7's other arm: NF-ResNets trained with LARS and no clipping. */
const isLars = (r: RunRow): boolean => isNf(r) && !isClipped(r) && optimizerOf(r) === "lars";
const larsNf = (rows: readonly RunRow[]): RunRow[] => rows.filter(isLars);

/** The batch sizes at which the runs hold LARS runs, the largest only ("at large batch"). */
function larsBatches(rows: readonly RunRow[]): number[] {
  return numericLevels(larsNf(rows), BATCH).slice(-1);
}

/**
 * LARS's top-1 minus chance level (1 / the dataset's classes) at the largest batch with LARS runs: a diverged run
 * counts at chance (core/plot/runRows.ts), so the contrast is about 0 when LARS does not train.
 */
function larsAboveChance(all: readonly RunRow[]): Comparison[] {
  return larsBatches(all).map((batch) => ({
    condition: `batch ${batch}`,
    arms: [
      {
        label: "LARS, top-1 minus chance",
        coef: 1,
        runs: where(larsNf(all), BATCH, batch).map((r) => {
          const classes = datasetFacts(String(r["data.name"]))?.classes;
          return { ...r, top1: typeof r.top1 === "number" && classes ? r.top1 - 1 / classes : null };
        }),
      },
    ],
  }));
}

/** Unit-wise AGC at its best λ (picked per held-out seed) minus LARS, at the largest batch with LARS runs. */
function agcBeatsLars(all: readonly RunRow[]): Comparison[] {
  const unit = clippedNf(all).filter(isGranularity("unit"));
  return larsBatches(all).map((batch) => {
    const best = crossFitPick(where(unit, BATCH, batch), LAMBDA, "best");
    return {
      condition: `batch ${batch}`,
      arms: [
        { label: `unit, best ${chosenText(best.chosen)}`, coef: 1, runs: best.rows },
        { label: LARS_LABEL, coef: -1, runs: where(larsNf(all), BATCH, batch) },
      ],
    };
  });
}

/**
 * Best λ of granularity `a` against best λ of granularity `b`, per batch size; each best picked per held-out seed
 * on the other seeds (arms.ts crossFitPick), so neither arm is measured on the seeds that chose it.
 */
function bestVsBest(all: readonly RunRow[], a: string, b: string): Comparison[] {
  const rows = clippedNf(all);
  return numericLevels(rows, BATCH).map((batch) => {
    const atB = where(rows, BATCH, batch);
    const bestA = crossFitPick(where(atB, GRANULARITY, a), LAMBDA, "best");
    const bestB = crossFitPick(where(atB, GRANULARITY, b), LAMBDA, "best");
    return {
      condition: `batch ${batch}`,
      arms: [
        { label: `${a}, best ${chosenText(bestA.chosen)}`, coef: 1, runs: bestA.rows },
        { label: `${b}, best ${chosenText(bestB.chosen)}`, coef: -1, runs: bestB.rows },
      ],
    };
  });
}

/**
 * (best − worst threshold of global clipping) − (best − worst λ of unit-wise AGC), per batch size; best and worst
 * picked per held-out seed on the other seeds (a range measured where it was found is biased upwards).
 */
function sensitivity(all: readonly RunRow[]): Comparison[] {
  const rows = clippedNf(all);
  return numericLevels(rows, BATCH).map((batch) => {
    const atB = where(rows, BATCH, batch);
    const g = where(atB, GRANULARITY, "global");
    const u = where(atB, GRANULARITY, "unit");
    const [gBest, gWorst, uBest, uWorst] = [
      crossFitPick(g, LAMBDA, "best"),
      crossFitPick(g, LAMBDA, "worst"),
      crossFitPick(u, LAMBDA, "best"),
      crossFitPick(u, LAMBDA, "worst"),
    ];
    return {
      condition: `batch ${batch}`,
      arms: [
        { label: `global, best ${chosenText(gBest.chosen, "threshold")}`, coef: 1, runs: gBest.rows },
        { label: `global, worst ${chosenText(gWorst.chosen, "threshold")}`, coef: -1, runs: gWorst.rows },
        { label: `unit, best ${chosenText(uBest.chosen)}`, coef: -1, runs: uBest.rows },
        { label: `unit, worst ${chosenText(uWorst.chosen)}`, coef: 1, runs: uWorst.rows },
      ],
    };
  });
}

/**
 * Claims 4 and 7 match runs that differ in granularity and threshold only: at one batch size each (their
 * comparisons are per batch size), NF-ResNets clipped with one of the two granularities compared.
 */
function granularityRefuses(claim: number, a: string, b: string, what: string, lars = false) {
  return (r: RunRow): string | null => {
    if (isBn(r)) return `a BN-ResNet: claim ${claim} compares NF-ResNets`;
    if (lars && isLars(r)) return null;
    if (optimizerOf(r) !== "sgd") return `optimizer ${optimizerOf(r)}: claim ${claim} compares ${what}`;
    return isGranularity(a)(r) || isGranularity(b)(r) ? null : `${clippingText(r)}: claim ${claim} compares ${what}`;
  };
}

export const granularity: SweepFigure = {
  name: "granularity",
  title: "Clip granularity: unit-wise vs layer-wise AGC vs global-norm clipping",
  description: "top-1 vs threshold for unit-wise, layer-wise and global-norm clipping, one panel per batch size",
  drawn: (rows) => [...clippedNf(rows), ...larsNf(rows)],
  reference: larsNf,
  leftOut: "SGD without clipping, another optimizer than SGD or LARS, or not an NF-ResNet",
  spec(rows, subtitle, band) {
    const choice = { kind: band, range: metricRange("top1") };
    const points = aggregate(clippedNf(rows), [GRANULARITY, BATCH, LAMBDA], "top1", choice);
    const lars = larsNf(rows).map((r) => ({ ...r, [GRANULARITY]: LARS_LABEL }));
    const reference = aggregate(lars, [GRANULARITY, BATCH], "top1", choice);
    return meanCiSpec({
      title: this.title,
      subtitle: [
        ...subtitle,
        "unit/layer: AGC ratio λ; global: maximum gradient norm (all SGD)",
        ...conditionsNote([...clippedNf(rows), ...larsNf(rows)]),
        bandNote([...points, ...reference], band, choice.range, "point"),
        ...(reference.length ? ["dashed line: LARS without clipping (You et al. 2017), at its batch size"] : []),
      ],
      points,
      offAxis: reference,
      offAxisLabel: LARS_LABEL,
      x: { field: LAMBDA, title: "threshold", scale: "log" },
      y: { title: "test top-1", format: ".1%" },
      band: choice,
      color: { field: GRANULARITY, title: "clipping", sort: [...ORDER, LARS_LABEL] },
      column: { field: BATCH, title: "batch size" },
      width: 260,
    });
  },
  claims: [
    {
      id: 4,
      title: "Unit-wise clipping beats layer-wise clipping",
      paper: "Computing the gradient-to-weight ratio per unit (output channel) works better than per whole layer.",
      tests: [
        {
          measures:
            "top-1 of unit-wise AGC (its best λ) minus layer-wise AGC (its best λ), at each batch size; each best λ picked per seed on the other seeds",
          kind: "better",
          margin: 0.005,
          quantifier: "most",
          comparisons: (rows) => bestVsBest(rows, "unit", "layer"),
        },
      ],
      match: {
        varies: [GRANULARITY, LAMBDA],
        refuses: granularityRefuses(4, "unit", "layer", "unit-wise with layer-wise AGC"),
        needs: [
          needRuns("unit-wise AGC runs", isGranularity("unit")),
          needRuns("layer-wise AGC runs", isGranularity("layer")),
        ],
      },
    },
    {
      id: 7,
      title: "Global gradient-norm clipping is very sensitive to its threshold; LARS trains stably but loses accuracy",
      paper:
        "Ordinary clipping of the global gradient norm only works in a narrow band of thresholds, whereas AGC is " +
        "forgiving; LARS-style normalized updates train stably but give up accuracy.",
      scope:
        "LARS is You et al. 2017's Algorithm 1 (trust ratio η·‖W‖/(‖G‖ + wd·‖W‖) on weights, heavy-ball momentum; " +
        "core/optim/lars.ts) without clipping, at the sweep's learning rate: the paper does not give its LARS " +
        "settings. Its half is tested at the largest batch that has LARS runs.",
      tests: [
        {
          measures:
            "top-1 range over thresholds (best minus worst) of global clipping minus that of unit-wise AGC, at each batch size; best and worst picked per seed on the other seeds",
          kind: "better",
          margin: 0.005,
          quantifier: "most",
          comparisons: sensitivity,
        },
        {
          measures:
            "top-1 of LARS minus chance level, at the largest batch size with LARS runs (a diverged run counts at chance)",
          kind: "better",
          margin: 0.05,
          quantifier: "all",
          comparisons: larsAboveChance,
        },
        {
          measures:
            "top-1 of unit-wise AGC (its best λ, picked per seed on the other seeds) minus LARS, at the largest batch size with LARS runs",
          kind: "better",
          margin: 0.005,
          quantifier: "all",
          comparisons: agcBeatsLars,
        },
      ],
      match: {
        varies: [GRANULARITY, LAMBDA, OPTIM, "optim.trust"],
        refuses: granularityRefuses(7, "global", "unit", "global clipping with unit-wise AGC and LARS", true),
        needs: [
          needLevels("global-clipping runs at a second threshold", LAMBDA, isGranularity("global")),
          needLevels("unit-wise AGC runs at a second λ", LAMBDA, isGranularity("unit")),
        ],
      },
    },
  ],
};
