// `nfx report`: every AGC claim of the paper, decided from stored runs: a preset's (each figure's claims from the
// runs of its preset sweep), or any selection of stored runs, each claim from the runs that match its contrast
// (judgeRuns.ts).
import fs from "node:fs";
import path from "node:path";
import { writeFileAtomic } from "../../core/base/files.js";
import { DEFAULT_BAND } from "../../core/plot/bands.js";
import type { FigureFormat, VegaLiteSpec, WrittenFigure } from "../../core/plot/render.js";
import { writeFigure } from "../../core/plot/render.js";
import { devicesSubtitle } from "../../core/plot/runRows.js";
import { addedSeedsSweep, openFigureStore, presetRuns, sweepSubtitle } from "../figures/presetRuns.js";
import { presetDisplay, presetFile } from "../figures/presets.js";
import { SWEEP_FIGURES } from "../figures/registry.js";
import type { Preset, SweepFigure } from "../figures/types.js";
import { type ClaimResult, decideClaim } from "./decide.js";
import { type JudgedRuns, judgedEvidence, judgedRuns, type RunSelection } from "./judgeRuns.js";
import { type MechanismTable, mechanismTable } from "./mechanism.js";
import { reportHtml } from "./reportHtml.js";
import { reportMarkdown } from "./reportMarkdown.js";

export interface FigureEvidence {
  figure: string;
  title: string;
  sweep: string;
  runs: number;
  expected: number;
  devices: string;
  /** Null when the store holds none of the figure's runs (nothing to draw). */
  spec: VegaLiteSpec | null;
  files: WrittenFigure | null;
  claims: ClaimResult[];
  /** Why: clip fractions per role over training and the skip gains' size, per group of seeds (mechanism.ts). */
  mechanism: MechanismTable | null;
}

export interface Report {
  /** Whose runs decided: a preset's sweeps, else `selection` (judgeRuns.ts). */
  preset: Preset | null;
  selection: string | null;
  /** Decided from selected runs: how many were selected, finished (judged) and stored in all; null for a preset. */
  selected: { runs: number; finished: number; stored: number } | null;
  db: string;
  generated_at: string;
  figures: FigureEvidence[];
}

export interface ReportOptions extends RunSelection {
  /** A preset's runs decide (each figure its preset sweep's); absent: the selected stored runs (sweep, where). */
  preset?: Preset;
  db: string;
  /** Where report.html, report.md and the figures go; null: decide only, write nothing. */
  out: string | null;
  formats?: readonly FigureFormat[];
  /** Where the preset sweeps are (default: the package's configs/). */
  presetsDir?: string;
}

export interface WrittenReport {
  report: Report;
  html: string | null;
  markdown: string | null;
}

/** Whose runs decide: a preset's sweeps, or selected stored runs (judgeRuns.ts). */
type EvidenceSource = { preset: Preset; presetsDir: string | undefined } | { judged: JudgedRuns };

/** A figure's claims decided from its preset sweep's runs (and the seeds added for them). */
function presetEvidence(
  store: ReturnType<typeof openFigureStore>,
  figure: SweepFigure,
  preset: Preset,
  presetsDir: string | undefined,
): Omit<FigureEvidence, "files"> {
  const runs = presetRuns(store, presetFile(figure.name, preset, presetsDir), addedSeedsSweep(preset));
  const sweep = presetDisplay(figure.name, preset);
  return {
    figure: figure.name,
    title: figure.title,
    sweep,
    runs: runs.finished.length,
    expected: runs.expected.length,
    devices: devicesSubtitle(runs.finished),
    spec: runs.finished.length ? figure.spec(runs.rows, sweepSubtitle(figure, sweep, runs), DEFAULT_BAND) : null,
    claims: figure.claims.map((rule) => decideClaim(rule, runs.rows)),
    mechanism: mechanismTable(store, runs.finished),
  };
}

/** Decides every claim; writes the page, its markdown twin and the figures when `out` is set. */
export async function buildReport(opts: ReportOptions): Promise<WrittenReport> {
  const store = openFigureStore(opts.db);
  const figures: FigureEvidence[] = [];
  let source: EvidenceSource | null = null;
  try {
    source = opts.preset
      ? { preset: opts.preset, presetsDir: opts.presetsDir }
      : { judged: judgedRuns(store, opts, opts.db) };
    for (const figure of SWEEP_FIGURES) {
      const evidence =
        "judged" in source
          ? judgedEvidence(store, figure, source.judged)
          : presetEvidence(store, figure, source.preset, source.presetsDir);
      const files =
        evidence.spec && opts.out
          ? await writeFigure(
              evidence.spec,
              path.join(opts.out, "figures"),
              figure.name,
              opts.formats ?? ["json", "svg", "png"],
            )
          : null;
      figures.push({ ...evidence, files });
    }
  } finally {
    store.close();
  }
  const report: Report = {
    preset: opts.preset ?? null,
    selection: source && "judged" in source ? source.judged.text : null,
    selected:
      source && "judged" in source
        ? {
            runs: source.judged.selected,
            finished: source.judged.finished.length,
            stored: source.judged.stored,
          }
        : null,
    db: opts.db,
    generated_at: new Date().toISOString(),
    figures,
  };
  if (!opts.out) return { report, html: null, markdown: null };
  fs.mkdirSync(opts.out, { recursive: true });
  const html = path.join(opts.out, "report.html");
  const markdown = path.join(opts.out, "report.md");
  writeFileAtomic(html, reportHtml(report));
  writeFileAtomic(markdown, reportMarkdown(report, opts.out));
  return { report, html, markdown };
}

/** Claims in the paper's order, each with the figure that decides it. */
export function claimsInOrder(report: Report): { figure: FigureEvidence; claim: ClaimResult }[] {
  return report.figures
    .flatMap((figure) => figure.claims.map((claim) => ({ figure, claim })))
    .sort((a, b) => a.claim.rule.id - b.claim.rule.id);
}
