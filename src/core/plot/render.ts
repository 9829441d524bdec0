// Rendering Vega-Lite specs without a browser: compile to Vega, run a headless View, serialise to SVG; rasterize the
// SVG to PNG (resvg); wrap the spec in a self-contained offline HTML page.
import fs from "node:fs";
import path from "node:path";
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import { writeFileAtomic } from "../base/files.js";
import { figureHtml } from "./offlineHtml.js";
import { svgToPng } from "./png.js";

export type VegaLiteSpec = TopLevelSpec;

export const FIGURE_FORMATS = ["json", "svg", "png", "html"] as const;
export type FigureFormat = (typeof FIGURE_FORMATS)[number];
/** What `writeFigure` writes unless told otherwise: the spec and its SVG. */
export const DEFAULT_FORMATS: readonly FigureFormat[] = ["json", "svg"];

/** Parses "svg,png" (or a list of such) into formats; an unknown one is an error naming the known ones. */
export function parseFormats(text: string | readonly string[]): FigureFormat[] {
  const parts = (typeof text === "string" ? [text] : text).flatMap((t) => t.split(",")).map((s) => s.trim());
  const out = new Set<FigureFormat>();
  for (const p of parts) {
    if (!p) continue;
    if (!(FIGURE_FORMATS as readonly string[]).includes(p))
      throw new Error(`--format ${p}: unknown format (known: ${FIGURE_FORMATS.join(", ")})`);
    out.add(p as FigureFormat);
  }
  if (!out.size) throw new Error(`--format: give at least one of ${FIGURE_FORMATS.join(", ")}`);
  return [...out];
}

/**
 * The spec with no text cut: Vega cuts legend labels at 160 px and axis labels at 180 px with "…", which made
 * different series read the same (`λ=0.01 · agc.exclude=…` twice) and hid list values on an axis. Every figure nfx
 * writes sets these limits to 0 (no limit): labels keep their whole value, and the legend or axis widens instead.
 * Other config the spec sets is kept.
 */
export function withWholeLabels(spec: VegaLiteSpec): VegaLiteSpec {
  const config = spec.config ?? {};
  return {
    ...spec,
    config: {
      ...config,
      legend: { ...config.legend, labelLimit: 0, titleLimit: 0 },
      axis: { ...config.axis, labelLimit: 0 },
      header: { ...config.header, labelLimit: 0 },
    },
  } as VegaLiteSpec;
}

/**
 * Vega-Lite's compile logger, at warning level, without the one warning that says nothing about the figure:
 * "Maximum optimization runs(5) reached." is printed when its dataflow optimiser stops after its fixed number of
 * passes (vega-lite's optimize.ts); the compiled dataflow is correct either way, only possibly less pruned.
 */
function compileLogger(): ReturnType<typeof vega.logger> {
  const log = vega.logger(vega.Warn);
  const warn = log.warn.bind(log);
  log.warn = (...args: readonly unknown[]) => {
    if (typeof args[0] === "string" && args[0].startsWith("Maximum optimization runs")) return log;
    return warn(...args);
  };
  return log;
}

/** Renders a Vega-Lite spec to an SVG string (data must be inline), labels whole (see withWholeLabels). */
export async function renderSvg(spec: VegaLiteSpec): Promise<string> {
  const vgSpec = compile(withWholeLabels(spec), { logger: compileLogger() }).spec;
  const view = new vega.View(vega.parse(vgSpec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export interface WrittenFigure {
  spec: string;
  svg: string;
  png?: string;
  html?: string;
}

function titleOf(spec: VegaLiteSpec, fallback: string): string {
  const t = spec.title;
  if (typeof t === "string") return t;
  if (t && typeof t === "object" && "text" in t) return Array.isArray(t.text) ? t.text.join(" ") : String(t.text);
  return fallback;
}

/**
 * Writes `<dir>/<name>.json` (the Vega-Lite spec), `.svg`, and `.png` / `.html` when asked. The spec and SVG are
 * always written: every other format derives from them. Each file is written to a temporary name and renamed, so
 * an interrupted render never leaves half a figure behind. Throws one line naming `dir` when it cannot be created
 * or written (commands check first: outputDir.checkWritableOut).
 */
/**
 * Refuses a figure name that is not one plain file name: a `/` or `..` would write outside the figure directory,
 * and a name over 200 bytes fails only when the file is created.
 * @throws Error naming the name.
 */
export function checkFigureName(name: string): void {
  const plain = name !== "" && name !== "." && name !== ".." && !/[/\\\0]/.test(name);
  if (!plain) throw new Error(`figure name ${JSON.stringify(name)} must be one file name (no '/', '\\' or '..')`);
  if (Buffer.byteLength(name) > 200) throw new Error(`figure name is ${Buffer.byteLength(name)} bytes; at most 200`);
}

export async function writeFigure(
  spec: VegaLiteSpec,
  dir: string,
  name: string,
  formats: readonly FigureFormat[] = DEFAULT_FORMATS,
): Promise<WrittenFigure> {
  checkFigureName(name);
  spec = withWholeLabels(spec);
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.accessSync(dir, fs.constants.W_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(`${dir}: cannot write the figure there (${code ?? String(err)}); give a writable --out DIR`);
  }
  const svg = await renderSvg(spec);
  const base = path.join(dir, name);
  const written: WrittenFigure = { spec: `${base}.json`, svg: `${base}.svg` };
  writeFileAtomic(written.spec, `${JSON.stringify(spec, null, 2)}\n`);
  writeFileAtomic(written.svg, svg);
  if (formats.includes("png")) {
    written.png = `${base}.png`;
    writeFileAtomic(written.png, svgToPng(svg));
  }
  if (formats.includes("html")) {
    written.html = `${base}.html`;
    writeFileAtomic(written.html, figureHtml(spec, titleOf(spec, name)));
  }
  return written;
}
