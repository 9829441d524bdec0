// Optimizers under AGC: top-1 against AGC's λ (unit-wise) for SGD, Adam and AdamW, one panel per batch size, with
// each optimizer's runs without clipping and with global-norm clipping as dashed references. Not the paper's: it
// answers, at this scale, questions AGC's users ask in public (issue 26) — NFNets trained with Adam explode without
// clipping (timm#498); AGC at λ = 0.01 is said to clip AdamW too hard and to do worse than global clipping (reports
// in wandb/senpai, mosaicml composer, Ranger21, pytorch-optimizer). Its "claims" are findings at this scale, decided
// by the paper's claims' rules (a margin, the 95% interval, leave-one-seed-out picks, seeds needed, seed split).
import { aggregate } from "../../core/plot/aggregate.js";
import { bandNote, metricRange } from "../../core/plot/bands.js";
import { meanCiSpec } from "../../core/plot/meanCiSpec.js";
import type { RunRow } from "../../core/plot/runRows.js";
import type { ClaimRule, Comparison } from "../report/claimRule.js";
import {
  BATCH,
  chosenText,
  crossFitPick,
  GRANULARITY,
  isBn,
  isClipped,
  isNf,
  isUnitAgc,
  LAMBDA,
  needRuns,
  numericLevels,
  where,
} from "./arms.js";
import { conditionsNote } from "./conditions.js";
import type { SweepFigure } from "./types.js";

export const OPTIM = "optim.name";
/** The optimizer of a run; runs stored before optim.name existed are SGD. */
export const optimizerOf = (r: RunRow): string => String(r[OPTIM] ?? "sgd");

/**
 * `figure` with every claim refusing runs of another optimizer than SGD, the paper's: a store that holds Adam runs
 * beside SGD ones must not decide the paper's claims from them (they would match among themselves, as a set of
 * their own). Claim 7 names LARS itself (granularity.ts), so the granularity figure is not wrapped.
 */
export function sgdOnly(figure: SweepFigure): SweepFigure {
  const claims = figure.claims.map((rule) => ({
    ...rule,
    match: {
      ...rule.match,
      refuses: (r: RunRow) =>
        optimizerOf(r) === "sgd"
          ? rule.match.refuses(r)
          : `optimizer ${optimizerOf(r)}: claim ${rule.id} is about SGD, the paper's optimizer`,
    },
  }));
  return { ...figure, claims };
}

const DRAWN = ["sgd", "adam", "adamw"];
const SERIES = "series";

const nfRuns = (rows: readonly RunRow[]) => rows.filter((r) => isNf(r) && DRAWN.includes(optimizerOf(r)));
const isGlobal = (r: RunRow) => isClipped(r) && r[GRANULARITY] === "global";
/** The references: no clipping, or global-norm clipping (whose threshold is a norm, not a λ). */
const isReference = (r: RunRow) => !isClipped(r) || isGlobal(r);
const referenceLabel = (r: RunRow) =>
  `${optimizerOf(r)}, ${isClipped(r) ? `global clipping at ${r[LAMBDA]}` : "no clipping"}`;

/** One optimizer's runs at one batch size: with AGC (by λ), without clipping, with global clipping. */
function arms(all: readonly RunRow[], optimizer: string, batch: number) {
  const rows = where(nfRuns(all), BATCH, batch).filter((r) => optimizerOf(r) === optimizer);
  return { agc: rows.filter(isUnitAgc), none: rows.filter((r) => !isClipped(r)), global: rows.filter(isGlobal) };
}

/** The largest batch at which `optimizer` has runs. */
function largestBatch(all: readonly RunRow[], optimizer: string): number[] {
  return numericLevels(
    nfRuns(all).filter((r) => optimizerOf(r) === optimizer),
    BATCH,
  ).slice(-1);
}

/** `optimizer` with unit-wise AGC at its best λ (picked per held-out seed) minus without clipping, largest batch. */
function agcBestVsNone(optimizer: string) {
  return (all: readonly RunRow[]): Comparison[] =>
    largestBatch(all, optimizer).map((batch) => {
      const a = arms(all, optimizer, batch);
      const best = crossFitPick(a.agc, LAMBDA, "best");
      return {
        condition: `batch ${batch}`,
        arms: [
          { label: `${optimizer} + AGC, best ${chosenText(best.chosen)}`, coef: 1, runs: best.rows },
          { label: `${optimizer}, no clipping`, coef: -1, runs: a.none },
        ],
      };
    });
}

/** `optimizer` with unit-wise AGC at λ = `lambda` minus `against` (no clipping or global clipping), largest batch. */
function agcAtVs(optimizer: string, lambda: number, against: "none" | "global") {
  return (all: readonly RunRow[]): Comparison[] =>
    largestBatch(all, optimizer).map((batch) => {
      const a = arms(all, optimizer, batch);
      const other = a[against];
      const thresholds = [...new Set(other.map((r) => r[LAMBDA]))].join(", ");
      return {
        condition: `batch ${batch}`,
        arms: [
          { label: `${optimizer} + AGC λ=${lambda}`, coef: 1, runs: where(a.agc, LAMBDA, lambda) },
          {
            label: against === "none" ? `${optimizer}, no clipping` : `${optimizer}, global clipping at ${thresholds}`,
            coef: -1,
            runs: other,
          },
        ],
      };
    });
}

/** A finding's matching: one optimizer's NF-ResNet runs, differing in clipping only. */
function matchFor(id: number, optimizer: string, against: "none" | "global") {
  return {
    // The batch size too: a finding "at large batch" compares at the largest batch of a set that spans them.
    varies: [GRANULARITY, LAMBDA, BATCH],
    refuses: (r: RunRow): string | null => {
      if (isBn(r)) return `a BN-ResNet: finding ${id} is about NF-ResNets`;
      if (optimizerOf(r) !== optimizer) return `optimizer ${optimizerOf(r)}: finding ${id} is about ${optimizer}`;
      if (isClipped(r) && !isUnitAgc(r) && !(against === "global" && isGlobal(r))) {
        return `${r[GRANULARITY]}-wise clipping: finding ${id} compares unit-wise AGC with ${against === "none" ? "no clipping" : "global clipping"}`;
      }
      return null;
    },
    needs: [
      needRuns(`${optimizer} runs with unit-wise AGC`, isUnitAgc),
      needRuns(
        `${optimizer} runs ${against === "none" ? "without clipping" : "with global clipping"}`,
        against === "none" ? (r: RunRow) => !isClipped(r) : isGlobal,
      ),
    ],
  };
}

const NOT_THE_PAPERS =
  "Not a claim of the paper: a finding at this scale (nf-resnet-micro, Fashion-MNIST, one epoch), decided by the " +
  "same rules as the paper's claims.";

const FINDINGS: readonly ClaimRule[] = [
  {
    id: 8,
    title: "At this scale (not the paper's): AGC helps Adam at large batch",
    paper: `${NOT_THE_PAPERS} Asked in public: NFNets trained with Adam explode without clipping (timm#498).`,
    tests: [
      {
        measures:
          "top-1 of Adam with unit-wise AGC (its best λ, picked per seed on the other seeds) minus Adam without clipping, at the largest batch size",
        kind: "better",
        margin: 0.005,
        quantifier: "all",
        comparisons: agcBestVsNone("adam"),
      },
    ],
    match: matchFor(8, "adam", "none"),
  },
  {
    id: 9,
    title: "At this scale (not the paper's): AGC at λ = 0.01 helps AdamW at large batch",
    paper: `${NOT_THE_PAPERS} Asked in public: the paper's λ = 0.01 is reported to clip AdamW too hard.`,
    tests: [
      {
        measures:
          "top-1 of AdamW with unit-wise AGC at λ = 0.01 minus AdamW without clipping, at the largest batch size",
        kind: "better",
        margin: 0.005,
        quantifier: "all",
        comparisons: agcAtVs("adamw", 0.01, "none"),
      },
    ],
    match: matchFor(9, "adamw", "none"),
  },
  {
    id: 10,
    title:
      "At this scale (not the paper's): with AdamW at large batch, AGC at λ = 0.01 is not worse than global clipping",
    paper: `${NOT_THE_PAPERS} Asked in public: with AdamW, AGC at λ = 0.01 is reported to do worse than global-norm clipping.`,
    tests: [
      {
        measures:
          "top-1 of AdamW with unit-wise AGC at λ = 0.01 minus AdamW with global-norm clipping, at the largest batch size",
        kind: "notWorse",
        margin: 0.005,
        quantifier: "all",
        comparisons: agcAtVs("adamw", 0.01, "global"),
      },
    ],
    match: matchFor(10, "adamw", "global"),
  },
];

export const optimizers: SweepFigure = {
  name: "optimizers",
  title: "Optimizers under AGC: SGD, Adam and AdamW (findings at this scale, not the paper's)",
  description:
    "top-1 vs AGC's λ for SGD, Adam and AdamW, one panel per batch size; no clipping and global clipping as dashed references",
  drawn: nfRuns,
  reference: (rows) => nfRuns(rows).filter(isReference),
  leftOut: "another optimizer than SGD, Adam or AdamW, layer-wise AGC, or not an NF-ResNet",
  spec(rows, subtitle, band) {
    const choice = { kind: band, range: metricRange("top1") };
    const drawn = nfRuns(rows);
    const series = (r: RunRow) => ({ ...r, [SERIES]: isReference(r) ? referenceLabel(r) : optimizerOf(r) });
    const points = aggregate(drawn.filter(isUnitAgc).map(series), [SERIES, BATCH, LAMBDA], "top1", choice);
    const reference = aggregate(drawn.filter(isReference).map(series), [SERIES, BATCH], "top1", choice);
    return meanCiSpec({
      title: this.title,
      subtitle: [
        ...subtitle,
        "findings at this scale, not the paper's claims; each optimizer at its own learning rate",
        ...conditionsNote(drawn),
        bandNote([...points, ...reference], band, choice.range, "point"),
        ...(reference.length ? ["dashed lines: the same optimizer without AGC (no clipping, or global clipping)"] : []),
      ],
      points,
      offAxis: reference,
      x: { field: LAMBDA, title: "AGC threshold λ (unit-wise)", scale: "log" },
      y: { title: "test top-1", format: ".1%" },
      band: choice,
      color: { field: SERIES, title: "optimizer" },
      column: { field: BATCH, title: "batch size" },
      width: 260,
    });
  },
  claims: FINDINGS,
};
