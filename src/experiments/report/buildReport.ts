// `nfx report`: every AGC claim of the paper, decided from the stored runs of the figure that tests it.
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
import type { Preset } from "../figures/types.js";
import { type ClaimResult, decideClaim } from "./decide.js";
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
  preset: Preset;
  db: string;
  generated_at: string;
  figures: FigureEvidence[];
}

export interface ReportOptions {
  preset: Preset;
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

/** Decides every claim; writes the page, its markdown twin and the figures when `out` is set. */
export async function buildReport(opts: ReportOptions): Promise<WrittenReport> {
  const store = openFigureStore(opts.db);
  const figures: FigureEvidence[] = [];
  try {
    for (const figure of SWEEP_FIGURES) {
      const runs = presetRuns(
        store,
        presetFile(figure.name, opts.preset, opts.presetsDir),
        addedSeedsSweep(opts.preset),
      );
      const devices = devicesSubtitle(runs.finished);
      const sweep = presetDisplay(figure.name, opts.preset);
      const spec = runs.finished.length
        ? figure.spec(runs.rows, sweepSubtitle(figure, sweep, runs), DEFAULT_BAND)
        : null;
      const files =
        spec && opts.out
          ? await writeFigure(spec, path.join(opts.out, "figures"), figure.name, opts.formats ?? ["json", "svg", "png"])
          : null;
      figures.push({
        figure: figure.name,
        title: figure.title,
        sweep,
        runs: runs.finished.length,
        expected: runs.expected.length,
        devices,
        spec,
        files,
        claims: figure.claims.map((rule) => decideClaim(rule, runs.rows)),
        mechanism: mechanismTable(store, runs.finished),
      });
    }
  } finally {
    store.close();
  }
  const report: Report = { preset: opts.preset, db: opts.db, generated_at: new Date().toISOString(), figures };
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
