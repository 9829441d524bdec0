// Rendering Vega-Lite specs without a browser: compile to Vega, run a headless View, serialise to SVG.
import fs from "node:fs";
import path from "node:path";
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";

export type VegaLiteSpec = TopLevelSpec;

/** Renders a Vega-Lite spec to an SVG string (data must be inline). */
export async function renderSvg(spec: VegaLiteSpec): Promise<string> {
  const vgSpec = compile(spec).spec;
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
}

/**
 * Writes `<dir>/<name>.json` (the Vega-Lite spec) and `<dir>/<name>.svg`. Each file is written to a temporary name
 * and renamed, so an interrupted render never leaves half a figure behind.
 */
export async function writeFigure(spec: VegaLiteSpec, dir: string, name: string): Promise<WrittenFigure> {
  fs.mkdirSync(dir, { recursive: true });
  const svg = await renderSvg(spec);
  const specPath = path.join(dir, `${name}.json`);
  const svgPath = path.join(dir, `${name}.svg`);
  writeAtomic(specPath, `${JSON.stringify(spec, null, 2)}\n`);
  writeAtomic(svgPath, svg);
  return { spec: specPath, svg: svgPath };
}

export function writeAtomic(file: string, content: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, content);
  fs.renameSync(tmp, file);
}
