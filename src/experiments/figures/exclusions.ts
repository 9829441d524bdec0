// Which layers to leave unclipped: the classifier's weight, the first (stem) conv, across batch sizes. Decides
// claims 5 (never clipping the final linear layer is better) and 6 (the first conv can often go unclipped).
import { aggregate } from "../../core/plot/aggregate.js";
import { bandNote, metricRange } from "../../core/plot/bands.js";
import { meanCiSpec } from "../../core/plot/meanCiSpec.js";
import type { RunRow } from "../../core/plot/runRows.js";
import type { ClaimMatch, Comparison } from "../report/claimRule.js";
import { BATCH, EXCLUDE, isBn, isClipped, isNf, needRuns, numericLevels, where } from "./arms.js";
import { conditionsNote } from "./conditions.js";
import type { SweepFigure } from "./types.js";

/** `agc.exclude` in its written form (core/text/writtenForm: sorted roles joined by ","), and what the figure calls it. */
export const EXCLUSION_SETS: readonly { key: string; label: string }[] = [
  { key: "none", label: "clip every layer" },
  { key: "classifier_weight", label: "classifier unclipped" },
  { key: "classifier_weight,stem_conv", label: "classifier and first conv unclipped" },
  { key: "stem_conv", label: "first conv unclipped" },
];
const SET = "unclipped";

function labelled(rows: readonly RunRow[]): RunRow[] {
  const out: RunRow[] = [];
  for (const r of rows) {
    const set = EXCLUSION_SETS.find((s) => s.key === r[EXCLUDE]);
    if (set && isNf(r) && isClipped(r)) out.push({ ...r, [SET]: set.label });
  }
  return out;
}

function pairs(all: readonly RunRow[], plusKey: string, minusKey: string): Comparison[] {
  const rows = labelled(all);
  const label = (k: string) => EXCLUSION_SETS.find((s) => s.key === k)?.label ?? k;
  return numericLevels(rows, BATCH).map((b) => {
    const atB = where(rows, BATCH, b);
    return {
      condition: `batch ${b}`,
      arms: [
        { label: label(plusKey), coef: 1, runs: where(atB, EXCLUDE, plusKey) },
        { label: label(minusKey), coef: -1, runs: where(atB, EXCLUDE, minusKey) },
      ],
    };
  });
}

const setLabel = (k: string) => EXCLUSION_SETS.find((s) => s.key === k)?.label ?? k;
const runsWith = (k: string) => (k === "none" ? "runs that clip every layer" : `runs with the ${setLabel(k)}`);

/**
 * Claims 5 and 6 match runs that differ in `agc.exclude` only (at one batch size each: their comparisons are per
 * batch size), clipped NF-ResNets with one of the two exclusion sets compared.
 */
function exclusionMatch(claim: number, plusKey: string, minusKey: string): ClaimMatch {
  const compared = `'${setLabel(plusKey)}' with '${setLabel(minusKey)}'`;
  return {
    varies: [EXCLUDE],
    refuses: (r) => {
      if (isBn(r)) return `a BN-ResNet: claim ${claim} compares NF-ResNets`;
      if (!isClipped(r)) return `no clipping: claim ${claim} compares which layers clipping leaves out`;
      const set = String(r[EXCLUDE]);
      return set === plusKey || set === minusKey ? null : `unclipped=${set}: claim ${claim} compares ${compared}`;
    },
    needs: [
      needRuns(runsWith(plusKey), (r) => r[EXCLUDE] === plusKey),
      needRuns(runsWith(minusKey), (r) => r[EXCLUDE] === minusKey),
    ],
  };
}

export const exclusions: SweepFigure = {
  name: "exclusions",
  title: "Which layers to leave unclipped: classifier and first conv",
  description: "top-1 vs batch size when clipping or not clipping the classifier and the first conv",
  drawn: labelled,
  leftOut: `not an NF-ResNet with unit-wise AGC, or an exclusion set other than ${EXCLUSION_SETS.map((s) => s.key).join(" | ")}`,
  spec(rows, subtitle, band) {
    const choice = { kind: band, range: metricRange("top1") };
    const points = aggregate(labelled(rows), [SET, BATCH], "top1", choice);
    return meanCiSpec({
      title: this.title,
      subtitle: [
        ...subtitle,
        ...conditionsNote(labelled(rows)),
        `unit-wise AGC; ${bandNote(points, band, choice.range, "point")}`,
      ],
      points,
      x: { field: BATCH, title: "batch size", scale: "log" },
      y: { title: "test top-1", format: ".1%" },
      band: choice,
      color: { field: SET, title: null, sort: EXCLUSION_SETS.map((s) => s.label) },
      dodge: true,
    });
  },
  claims: [
    {
      id: 5,
      title: "Not clipping the final linear layer is always better",
      paper: "Leaving the classifier's weight out of clipping beats clipping it, at every batch size tried.",
      tests: [
        {
          measures: "top-1 with the classifier unclipped minus with every layer clipped, at each batch size",
          kind: "better",
          margin: 0.005,
          quantifier: "all",
          comparisons: (rows) => pairs(rows, "classifier_weight", "none"),
        },
      ],
      match: exclusionMatch(5, "classifier_weight", "none"),
    },
    {
      id: 6,
      title: "The first conv can often go unclipped",
      paper:
        "Also leaving the first convolution unclipped is usually harmless, although at the largest batch and " +
        "learning rate every stage had to be clipped for stability.",
      tests: [
        {
          measures:
            "top-1 with the classifier and first conv unclipped minus with only the classifier unclipped, at each batch size",
          kind: "notWorse",
          margin: 0.01,
          quantifier: "most",
          comparisons: (rows) => pairs(rows, "classifier_weight,stem_conv", "classifier_weight"),
        },
      ],
      match: exclusionMatch(6, "classifier_weight,stem_conv", "classifier_weight"),
    },
  ],
};
