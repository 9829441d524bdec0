// Fig. 2(b): top-1 against the clipping threshold λ, one line per batch size, the NF-ResNet without clipping at each
// batch size as a dashed reference line (λ has no place on the axis for it). Decides claim 2 (larger batches need
// a smaller λ): the cost of the largest λ against the smallest grows with the batch size.
import { aggregate } from "../../core/plot/aggregate.js";
import { bandNote, metricRange } from "../../core/plot/bands.js";
import { meanCiSpec } from "../../core/plot/meanCiSpec.js";
import type { RunRow } from "../../core/plot/runRows.js";
import {
  BATCH,
  clippingText,
  GRANULARITY,
  isBn,
  isClipped,
  isNf,
  LAMBDA,
  needLevels,
  numericLevels,
  where,
} from "./arms.js";
import { bestLambdaLine } from "./bestLambda.js";
import { conditionsNote } from "./conditions.js";
import type { SweepFigure } from "./types.js";

const SERIES = "batch";

function clippedNf(rows: readonly RunRow[]): RunRow[] {
  return rows.filter((r) => isNf(r) && isClipped(r));
}

/** The reference: NF-ResNets without clipping. */
function unclippedNf(rows: readonly RunRow[]): RunRow[] {
  return rows.filter((r) => isNf(r) && !isClipped(r));
}

const nfRuns = (rows: readonly RunRow[]): RunRow[] => rows.filter(isNf);
const bySeries = (rows: readonly RunRow[]) => rows.map((r) => ({ ...r, [SERIES]: `B=${r[BATCH]}` }));

export const fig2b: SweepFigure = {
  name: "fig2b",
  title: "Top-1 against the clipping threshold λ, per batch size (Fig. 2b)",
  description: "top-1 vs AGC threshold λ on NF-ResNets, one line per batch size; no clipping as a dashed reference",
  drawn: nfRuns,
  reference: unclippedNf,
  leftOut: "not an NF-ResNet",
  spec(rows, subtitle, band) {
    const choice = { kind: band, range: metricRange("top1") };
    const points = aggregate(bySeries(clippedNf(rows)), [SERIES, LAMBDA], "top1", choice);
    const reference = aggregate(bySeries(unclippedNf(rows)), [SERIES], "top1", choice);
    const order = numericLevels(nfRuns(rows), BATCH).map((b) => `B=${b}`);
    return meanCiSpec({
      title: this.title,
      subtitle: [
        ...subtitle,
        ...conditionsNote(nfRuns(rows)),
        bandNote([...points, ...reference], band, choice.range, "point"),
        ...[bestLambdaLine(nfRuns(rows).filter((r) => !isClipped(r) || r[GRANULARITY] === "unit"))].filter(
          (l): l is string => l !== null,
        ),
        ...(reference.length
          ? [`dashed lines: no clipping, at its batch size's colour (${reference.map((p) => p[SERIES]).join(", ")})`]
          : []),
      ],
      points,
      offAxis: reference,
      offAxisLabel: "no clipping",
      x: { field: LAMBDA, title: "AGC threshold λ (unit-wise)", scale: "log" },
      y: { title: "test top-1", format: ".1%" },
      band: choice,
      color: { field: SERIES, title: "batch size", sort: order },
    });
  },
  claims: [
    {
      id: 2,
      title: "Larger batches need a smaller clipping threshold",
      paper:
        "The best λ shrinks as the batch grows: at large batch sizes only strong clipping (small λ) keeps training " +
        "stable, while small batches tolerate weak clipping.",
      tests: [
        {
          measures:
            "(top-1 at the smallest λ minus at the largest λ) at the largest batch, minus the same gap at the smallest batch",
          kind: "better",
          margin: 0.005,
          quantifier: "all",
          comparisons: (all) => {
            const rows = clippedNf(all);
            const batches = numericLevels(rows, BATCH);
            const lambdas = numericLevels(rows, LAMBDA);
            const bLo = batches[0];
            const bHi = batches.at(-1);
            const lLo = lambdas[0];
            const lHi = lambdas.at(-1);
            if (
              bLo === undefined ||
              bHi === undefined ||
              bLo === bHi ||
              lLo === undefined ||
              lHi === undefined ||
              lLo === lHi
            )
              return [];
            const at = (b: number, l: number) => where(where(rows, BATCH, b), LAMBDA, l);
            return [
              {
                condition: `B ${bHi} vs ${bLo}, λ ${lLo} vs ${lHi}`,
                arms: [
                  { label: `B=${bHi}, λ=${lLo}`, coef: 1, runs: at(bHi, lLo) },
                  { label: `B=${bHi}, λ=${lHi}`, coef: -1, runs: at(bHi, lHi) },
                  { label: `B=${bLo}, λ=${lLo}`, coef: -1, runs: at(bLo, lLo) },
                  { label: `B=${bLo}, λ=${lHi}`, coef: 1, runs: at(bLo, lHi) },
                ],
              },
            ];
          },
        },
      ],
      match: {
        varies: [LAMBDA, BATCH],
        refuses: (r) => {
          if (isBn(r)) return "a BN-ResNet: claim 2 is about NF-ResNets";
          if (!isClipped(r)) return "no clipping: claim 2 compares clipping thresholds";
          return r[GRANULARITY] === "unit" ? null : `${clippingText(r)}: claim 2 is about unit-wise AGC's threshold λ`;
        },
        needs: [
          needLevels("runs at a second batch size", BATCH, isClipped),
          needLevels("runs at a second λ", LAMBDA, isClipped),
        ],
      },
    },
  ],
};
