// Seed-split stability of the report's verdicts: every claim decided once from all stored seeds of a preset and once
// from each of two disjoint seed sets, with the report's own decision code (src/experiments/report/decide.ts). A
// preset is sized right when both halves give the same verdict as each other (and as all seeds together).
//
//   npm run build   # not needed: runs from src under tsx
//   node --import tsx scripts/seedSplit.ts --db results/nfx.db [--preset quick] [--split 0,1/2,3]
//        [--sweep fig2b=/tmp/pilot.yaml …] [--json]
//
// --best-lambda: instead of the claims, fig2b's best λ per batch size (src/experiments/figures/bestLambda.ts) from
// all seeds and from each half, and whether it is smaller at the largest batch than at the smallest in every half
// (exit 0 when it is, 3 when not): the standard preset is sized for this (configs/fig2b.standard.yaml).
// --split A/B: the two seed sets (comma-separated seeds); default: the seeds of each figure's sweep taken alternately
// (seeds 0..5 → A = 0,2,4 and B = 1,3,5). --sweep NAME=FILE decides figure NAME
// from another sweep file (e.g. a pilot under /tmp) instead of configs/NAME.PRESET.yaml. Runs that are missing are
// simply absent from both halves. Prints one line per claim: all seeds, seeds A, seeds B, and whether A and B agree.
// Exit status 0 when every claim's two halves agree, 3 when some do not, 2 on bad arguments.
import { fileURLToPath } from "node:url";
import type { RunRow } from "../src/core/plot/runRows.js";
import { loadSweepFile } from "../src/core/sweep/expand.js";
import {
  type BestLambda,
  bestLambdaByBatch,
  bestLambdaShrinks,
  lambdaText,
} from "../src/experiments/figures/bestLambda.js";
import { openFigureStore, presetRuns } from "../src/experiments/figures/presetRuns.js";
import { parsePreset, presetFile } from "../src/experiments/figures/presets.js";
import { SWEEP_FIGURES } from "../src/experiments/figures/registry.js";
import type { SweepFigure } from "../src/experiments/figures/types.js";
import type { Verdict } from "../src/experiments/report/claimRule.js";
import { type ClaimResult, decideClaim } from "../src/experiments/report/decide.js";

export interface SplitVerdict {
  figure: string;
  claim: number;
  title: string;
  all: Verdict;
  a: Verdict;
  b: Verdict;
  agree: boolean;
  /** Each comparison's estimate and 95% interval in percentage points, per seed set ("—" when undecidable). */
  evidence: { all: string[]; a: string[]; b: string[] };
  runs: { all: number; a: number; b: number };
}

function pp(x: number): string {
  return (x * 100).toFixed(1);
}

function evidenceOf(result: ClaimResult): string[] {
  return result.tests.flatMap(
    (t) =>
      (t.comparisons.length ? t.comparisons : null)?.map((c) =>
        c.estimate
          ? `${c.condition}: ${pp(c.estimate.estimate)} [${pp(c.estimate.lo)}, ${pp(c.estimate.hi)}] pp → ${c.verdict}`
          : `${c.condition}: — (${c.why})`,
      ) ?? [`${t.measures}: no comparison (the runs cannot answer)`],
  );
}

/** Rows whose seed is in `seeds`. */
export function withSeeds(rows: readonly RunRow[], seeds: ReadonlySet<number>): RunRow[] {
  return rows.filter((r) => typeof r.seed === "number" && seeds.has(r.seed));
}

/**
 * The default split: the sorted seeds taken alternately (0,2,4… / 1,3,5…), so that an arm a preset runs with fewer
 * seeds (an `exclude` of seeds 4, 5 at one batch size) still has seeds in both halves.
 */
export function halves(seeds: readonly number[]): [number[], number[]] {
  const sorted = [...new Set(seeds)].sort((x, y) => x - y);
  return [sorted.filter((_, i) => i % 2 === 0), sorted.filter((_, i) => i % 2 === 1)];
}

/** Every claim of `figure` decided from all `rows`, from the runs of seeds `a`, and from those of seeds `b`. */
export function splitVerdicts(
  figure: SweepFigure,
  rows: readonly RunRow[],
  a: readonly number[],
  b: readonly number[],
): SplitVerdict[] {
  const overlap = a.filter((s) => b.includes(s));
  if (overlap.length) throw new Error(`--split: the seed sets share seed(s) ${overlap.join(", ")}`);
  const rowsA = withSeeds(rows, new Set(a));
  const rowsB = withSeeds(rows, new Set(b));
  return figure.claims.map((rule) => {
    const [all, ra, rb] = [rows, rowsA, rowsB].map((rs) => decideClaim(rule, rs));
    return {
      figure: figure.name,
      claim: rule.id,
      title: rule.title,
      all: all.verdict,
      a: ra.verdict,
      b: rb.verdict,
      agree: ra.verdict === rb.verdict,
      evidence: { all: evidenceOf(all), a: evidenceOf(ra), b: evidenceOf(rb) },
      runs: { all: rows.length, a: rowsA.length, b: rowsB.length },
    };
  });
}

/** fig2b's best λ per batch size from all rows and from each seed half, one line each; true when it shrinks in both. */
export function bestLambdaSplit(rows: readonly RunRow[], a: readonly number[], b: readonly number[]) {
  const sets: [string, readonly RunRow[]][] = [
    ["all", rows],
    [`seeds ${a.join(",")}`, withSeeds(rows, new Set(a))],
    [`seeds ${b.join(",")}`, withSeeds(rows, new Set(b))],
  ];
  const lines: string[] = [];
  const shrinks = sets.map(([label, rs]) => {
    const best: BestLambda[] = bestLambdaByBatch(rs);
    const ok = bestLambdaShrinks(best);
    const arms = best
      .map(
        (x) =>
          `B=${x.batch}: ${lambdaText(x.lambda)} (${x.arms.map((m) => `${lambdaText(m.lambda)} ${(m.top1 * 100).toFixed(1)}%/${m.runs}`).join(", ")})`,
      )
      .join(" | ");
    lines.push(
      `${label}: best λ ${ok === null ? "undecidable (fewer than 2 batch sizes)" : ok ? "shrinks" : "does NOT shrink"} — ${arms}`,
    );
    return ok;
  });
  return { lines, holds: shrinks[1] === true && shrinks[2] === true };
}

function parseSeeds(text: string): number[] {
  const seeds = text.split(",").map((s) => Number(s.trim()));
  if (!seeds.length || seeds.some((s) => !Number.isInteger(s) || s < 0))
    throw new Error(`--split: "${text}" is not a comma-separated list of seeds`);
  return seeds;
}

const VALUE_FLAGS = new Set(["--db", "--preset", "--split", "--sweep"]);
const SWITCHES = new Set(["--json", "--best-lambda"]);

/** Refuses an unknown flag or a flag without its value (a typo must not run another mode). */
function checkArgs(argv: readonly string[]): void {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (SWITCHES.has(a)) continue;
    if (VALUE_FLAGS.has(a) && argv[i + 1] !== undefined && !(argv[i + 1] as string).startsWith("--")) {
      i++;
      continue;
    }
    throw new Error(
      VALUE_FLAGS.has(a)
        ? `${a} needs a value`
        : `unknown argument ${a} (flags: ${[...VALUE_FLAGS, ...SWITCHES].join(", ")}; usage in the script's header)`,
    );
  }
}

function main(argv: string[]): number {
  checkArgs(argv);
  const arg = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const db = arg("db") ?? "results/nfx.db";
  const preset = parsePreset(arg("preset") ?? "quick");
  const json = argv.includes("--json");
  const overrides = new Map<string, string>();
  argv.forEach((v, i) => {
    if (v !== "--sweep") return;
    const [name, file] = (argv[i + 1] ?? "").split("=");
    if (!name || !file) throw new Error(`--sweep: expected NAME=FILE, got "${argv[i + 1] ?? ""}"`);
    overrides.set(name, file);
  });
  const splitText = arg("split");
  const fixed = splitText
    ? (() => {
        const [a, b] = splitText.split("/");
        if (!a || !b) throw new Error(`--split: expected A/B (e.g. 0,1/2,3), got "${splitText}"`);
        return [parseSeeds(a), parseSeeds(b)] as [number[], number[]];
      })()
    : null;

  if (argv.includes("--best-lambda")) {
    const file = overrides.get("fig2b") ?? presetFile("fig2b", preset);
    const store = openFigureStore(db);
    try {
      const runs = presetRuns(store, file);
      const [a, b] = fixed ?? halves(loadSweepFile(file).spec.seeds ?? [0]);
      if (runs.rows.length === 0) throw new Error(`no stored runs of ${file} in ${db}: nothing to decide`);
      const { lines, holds } = bestLambdaSplit(runs.rows, a, b);
      if (json) console.log(JSON.stringify({ file, lines, holds }, null, 2));
      else for (const l of [`fig2b from ${file} (${runs.rows.length} runs)`, ...lines]) console.log(l);
      return holds ? 0 : 3;
    } finally {
      store.close();
    }
  }
  const store = openFigureStore(db);
  const out: (SplitVerdict & { seeds: { a: number[]; b: number[] } })[] = [];
  try {
    for (const figure of SWEEP_FIGURES) {
      const file = overrides.get(figure.name) ?? presetFile(figure.name, preset);
      const runs = presetRuns(store, file);
      const sweepSeeds = loadSweepFile(file).spec.seeds ?? [0];
      const [a, b] = fixed ?? halves(sweepSeeds);
      for (const v of splitVerdicts(figure, runs.rows, a, b)) out.push({ ...v, seeds: { a, b } });
    }
  } finally {
    store.close();
  }
  if (json) console.log(JSON.stringify(out, null, 2));
  else {
    for (const v of out) {
      console.log(
        `claim ${v.claim} (${v.figure}): all ${v.all} (${v.runs.all} runs) | seeds ${v.seeds.a.join(",")}: ${v.a} ` +
          `(${v.runs.a}) | seeds ${v.seeds.b.join(",")}: ${v.b} (${v.runs.b}) → ${v.agree ? (v.a === "not enough runs" ? "same, but undecided" : "same") : "DIFFERENT"}`,
      );
      for (const [k, lines] of Object.entries(v.evidence)) for (const l of lines) console.log(`    ${k}: ${l}`);
    }
  }
  return out.every((v) => v.agree) ? 0 : 3;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (e) {
    console.error(`seedSplit: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 2;
  }
}
