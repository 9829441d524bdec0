// `nfx figure NAME`: regenerate one figure from the store, running only the runs of its sweep that are missing.
import path from "node:path";
import { DEFAULT_MODEL } from "../../core/config/schema.js";
import type { BackendName } from "../../core/engine/backend/backend.js";
import { currentBackend, initBackend } from "../../core/engine/backend/backend.js";
import { resolveModelSpec } from "../../core/models/resolve.js";
import { signalPropagation } from "../../core/models/signalPropagation.js";
import { type BandKind, bandNote, DEFAULT_BAND } from "../../core/plot/bands.js";
import {
  curvePoints,
  curveRows,
  curveStops,
  curvesRange,
  curvesSpec,
  stoppedCurvesNote,
  TEST_TOP1_CURVE,
} from "../../core/plot/curvesSpec.js";
import type { FigureFormat, VegaLiteSpec, WrittenFigure } from "../../core/plot/render.js";
import { writeFigure } from "../../core/plot/render.js";
import {
  devicesSubtitle,
  runRow,
  seriesOf,
  shortKey,
  varyingConfigKeys,
  withoutDetermined,
} from "../../core/plot/runRows.js";
import { selectRuns } from "../../core/plot/selectRuns.js";
import { sppSpec } from "../../core/plot/sppSpec.js";
import type { StoredRun } from "../../core/store/runStore.js";
import type { SweepEvents } from "../../core/sweep/events.js";
import { count } from "../../core/text/plural.js";
import { failedReason, runSweepFile } from "../sweepFile.js";
import { addedSeedsSweep, openFigureStore, type PresetRuns, presetRuns, sweepSubtitle } from "./presetRuns.js";
import { presetDisplay, presetFile } from "./presets.js";
import { assertFigureName, sweepFigure } from "./registry.js";
import type { Preset, SweepFigure } from "./types.js";

export const CURVE_METRICS = ["loss", TEST_TOP1_CURVE, "clip_frac"] as const;

export interface FigureOptions {
  preset: Preset;
  runMissing: boolean;
  out: string;
  db: string;
  backend: BackendName;
  formats: readonly FigureFormat[];
  events?: SweepEvents;
  signal?: AbortSignal;
  /** Aborting stops --run-missing at once (the second Ctrl-C). */
  stopNow?: AbortSignal;
  /** curves: draw the runs of this sweep figure's preset… */
  of?: string;
  /** …or of the runs this `--where` expression selects. */
  where?: string;
  /** spp: the model variant. */
  model?: string;
  /** Worker processes for --run-missing (default: the sweep's own, the number of cores). */
  jobs?: number;
  /** The band around means over seeds (core/plot/bands); default DEFAULT_BAND, set once in runFigure. */
  band?: BandKind;
}

/** Options with their defaults in place. */
type Resolved = FigureOptions & { band: BandKind };

export interface FigureResult {
  figure: string;
  preset: Preset | null;
  sweep_file: string | null;
  /** Runs of the sweep that the store held finished when the figure was drawn. */
  runs: number;
  /** Runs of the sweep still missing when the figure was drawn (0 after --run-missing unless one failed). */
  missing: number;
  /** Runs trained by this call. */
  ran: number;
  /** With --run-missing: the line naming the sweep's runs stored failed (the command then exits 1), else null. */
  failed?: string | null;
  devices: string;
  files: WrittenFigure;
}

function nothingStored(name: string, preset: Preset, expected: number, db: string): Error {
  const file = presetDisplay(name, preset);
  return new Error(
    `${name}: ${db} holds none of the ${expected} runs of ${file}; run \`nfx figure ${name} --preset ${preset} --run-missing\` (or \`nfx sweep ${file}\`)`,
  );
}

/** Trains the sweep's missing runs; returns how many ran and, when some are stored failed, the line that says so. */
async function runMissing(file: string, opts: FigureOptions): Promise<{ ran: number; failed: string | null }> {
  const result = await runSweepFile(file, {
    db: opts.db,
    backend: opts.backend,
    sets: [],
    retryFailed: false,
    jobs: opts.jobs,
    figuresDir: path.join(opts.out, "sweeps"),
    events: opts.events,
    signal: opts.signal,
    stopNow: opts.stopNow,
  });
  if (result.interrupted) throw new Error(`${path.basename(file)}: interrupted after ${count(result.ran, "run")}`);
  return { ran: result.ran, failed: failedReason(result, `nfx sweep ${file}`) };
}

/**
 * A figure none of whose stored runs lies on its axis: its chart would be empty (or only a reference line), so
 * nothing is written and the error says which runs there are and what to run.
 */
function nothingToDraw(figure: SweepFigure, preset: Preset, runs: PresetRuns, reference: number): Error {
  const file = presetDisplay(figure.name, preset);
  const stored = `the store holds ${runs.finished.length} of the ${runs.expected.length} runs of ${file}`;
  const why = reference
    ? `${reference === runs.finished.length ? "all" : reference} of them only the reference line (${figure.name} draws it beside its curves, not alone)`
    : `none drawn (${figure.leftOut})`;
  return new Error(
    `${figure.name}: nothing to draw: ${stored}, ${why}; run \`nfx figure ${figure.name} --preset ${preset} --run-missing\`` +
      (runs.missing ? ` for its ${runs.missing} missing runs` : ""),
  );
}

/** Throws nothingToDraw when no drawn run of the figure lies on its axis. */
function assertSomethingToDraw(figure: SweepFigure, preset: Preset, runs: PresetRuns): void {
  const drawn = figure.drawn(runs.rows);
  const reference = new Set((figure.reference?.(runs.rows) ?? []).map((r) => r.run_id));
  if (!drawn.some((r) => !reference.has(r.run_id))) throw nothingToDraw(figure, preset, runs, reference.size);
}

async function drawSweepFigure(name: string, opts: Resolved): Promise<FigureResult> {
  const figure = sweepFigure(name);
  if (!figure) throw new Error(`${name}: not a sweep figure`);
  const file = presetFile(name, opts.preset);
  const { ran, failed } = opts.runMissing ? await runMissing(file, opts) : { ran: 0, failed: null };
  const store = openFigureStore(opts.db);
  try {
    const runs = presetRuns(store, file, addedSeedsSweep(opts.preset));
    if (!runs.finished.length) throw nothingStored(name, opts.preset, runs.expected.length, opts.db);
    assertSomethingToDraw(figure, opts.preset, runs);
    const devices = devicesSubtitle(runs.finished);
    const subtitle = sweepSubtitle(figure, presetDisplay(name, opts.preset), runs);
    const files = await writeFigure(figure.spec(runs.rows, subtitle, opts.band), opts.out, name, opts.formats);
    return {
      figure: name,
      preset: opts.preset,
      sweep_file: file,
      runs: runs.finished.length,
      missing: runs.missing,
      ran,
      failed,
      devices,
      files,
    };
  } finally {
    store.close();
  }
}

/** curves --of: the figure's preset sweep (its missing runs trained first with --run-missing). */
async function curvesSweep(opts: FigureOptions): Promise<{ file: string | null; ran: number; failed: string | null }> {
  if (!opts.of) {
    if (!opts.where?.trim()) throw new Error("curves: say whose curves to draw with --of FIGURE or --where EXPR");
    return { file: null, ran: 0, failed: null };
  }
  assertFigureName(opts.of);
  if (!sweepFigure(opts.of)) throw new Error(`--of ${opts.of}: has no sweep (use a sweep figure or --where)`);
  const file = presetFile(opts.of, opts.preset);
  const { ran, failed } = opts.runMissing ? await runMissing(file, opts) : { ran: 0, failed: null };
  return { file, ran, failed };
}

/** The finished runs to draw: of the preset sweep `file`, or those --where selects; and how many are missing. */
function curvesRuns(
  store: ReturnType<typeof openFigureStore>,
  file: string | null,
  opts: FigureOptions,
): { runs: StoredRun[]; missing: number } {
  if (file && opts.of) {
    const preset = presetRuns(store, file);
    if (!preset.finished.length) throw nothingStored(opts.of, opts.preset, preset.expected.length, opts.db);
    return { runs: preset.finished, missing: preset.missing };
  }
  const runs = selectRuns(store, opts.where).map((s) => s.run);
  if (!runs.length) throw new Error(`curves: no finished run in ${opts.db} matches --where ${opts.where}`);
  return { runs, missing: 0 };
}

/** The runs' training curves, titled by whose they are, with what the figure leaves out in the subtitle. */
function curvesChart(
  store: ReturnType<typeof openFigureStore>,
  runs: readonly StoredRun[],
  opts: Resolved,
  devices: string,
): VegaLiteSpec {
  // Series by every config key the runs differ in (seeds pooled), less keys the others determine (clip by λ).
  const keys = withoutDetermined(runs.map(runRow), varyingConfigKeys(runs), []);
  const { labels, order } = seriesOf(runs, keys);
  const series = runs.map((run, i) => ({ run, series: labels[i] as string }));
  const what = opts.of ? presetDisplay(opts.of, opts.preset) : `runs where ${opts.where}`;
  const rows = curveRows(store, series, CURVE_METRICS);
  const points = curvePoints(rows, CURVE_METRICS, opts.band);
  const stopped = stoppedCurvesNote(runs);
  const drawn = new Set(rows.map((r) => r.run_id));
  const notDrawn = runs.filter((r) => !drawn.has(r.id)).map((r) => r.id);
  return curvesSpec({
    title: `Training curves: ${what}`,
    subtitle: [
      `${count(runs.length, "run")}; ${bandNote(points, opts.band, curvesRange(CURVE_METRICS), "line")}`,
      ...(stopped ? [stopped] : []),
      ...(notDrawn.length ? [`not drawn: run ${notDrawn.join(", ")} (no per-step values)`] : []),
      devices,
    ],
    points,
    band: opts.band,
    metrics: CURVE_METRICS,
    seriesTitle: keys.length ? keys.map(shortKey).join(" · ") : "runs",
    seriesOrder: order,
    stops: curveStops(store, series, CURVE_METRICS),
  });
}

async function drawCurves(opts: Resolved): Promise<FigureResult> {
  const { file, ran, failed } = await curvesSweep(opts);
  const store = openFigureStore(opts.db);
  try {
    const { runs, missing } = curvesRuns(store, file, opts);
    const devices = devicesSubtitle(runs);
    const spec = curvesChart(store, runs, opts, devices);
    const files = await writeFigure(spec, opts.out, opts.of ? `curves-${opts.of}` : "curves", opts.formats);
    return {
      figure: "curves",
      preset: opts.of ? opts.preset : null,
      sweep_file: file,
      runs: runs.length,
      missing,
      ran,
      failed,
      devices,
      files,
    };
  } finally {
    store.close();
  }
}

async function drawSpp(opts: FigureOptions): Promise<FigureResult> {
  const spec = resolveModelSpec({ name: opts.model ?? DEFAULT_MODEL });
  await initBackend(opts.backend);
  const runs = [{ label: spec.ws ? `${spec.name} (WS)` : spec.name, spp: signalPropagation(spec) }];
  if (spec.ws && spec.norm === "none")
    runs.push({ label: `${spec.name} (no WS)`, spp: signalPropagation({ ...spec, ws: false }) });
  const backend = currentBackend();
  const devices = backend ? `ran on: ${backend.name} ${backend.version} on ${backend.device}` : "backend unknown";
  const base = sppSpec(runs, "");
  const chart: VegaLiteSpec = {
    ...base,
    title: {
      text: `Signal propagation at init: ${spec.name}, ${runs[0]?.spp.px ?? spec.trainPx}px`,
      subtitle: [devices],
    },
    // Panel names above the panels, not rotated beside them where they overlap (labels in full: writeFigure).
    config: { header: { labelOrient: "top", labelAngle: 0, labelAnchor: "start" } },
  };
  const files = await writeFigure(chart, opts.out, `spp-${spec.name}`, opts.formats);
  return { figure: "spp", preset: null, sweep_file: null, runs: 0, missing: 0, ran: 0, devices, files };
}

export async function runFigure(name: string, options: FigureOptions): Promise<FigureResult> {
  assertFigureName(name);
  const opts: Resolved = { ...options, band: options.band ?? DEFAULT_BAND };
  if (name === "curves") return drawCurves(opts);
  if (name === "spp") return drawSpp(opts);
  return drawSweepFigure(name, opts);
}
