// A chart as vega draws it: the spec compiled as render.ts compiles it (whole labels), run in a headless View
// (renderer "none"), and its scenegraph walked, so that tests check the values the marks were drawn from and the
// axis labels shown, not the spec's JSON.
import * as vega from "vega";
import { compile } from "vega-lite";
import { type VegaLiteSpec, withWholeLabels } from "../../src/core/plot/render.js";

export interface SceneItem {
  datum: Record<string, unknown>;
  /** false where a path mark (line, area) breaks: the point has no value to draw. */
  defined?: boolean;
  tooltip?: Record<string, unknown>;
  text?: string;
  /** Where vega drew it, in pixels from its group's left. */
  x?: number;
}

export interface SceneMark {
  marktype: string;
  role: string;
  items: SceneItem[];
}

interface Node {
  marktype?: string;
  role?: string;
  items?: Node[];
}

function walk(node: Node | undefined, out: SceneMark[]): void {
  if (!node) return;
  if (node.marktype)
    out.push({ marktype: node.marktype, role: node.role ?? "", items: (node.items ?? []) as SceneItem[] });
  for (const child of node.items ?? []) walk(child, out);
}

/** Every mark of the rendered chart with its items. */
export async function renderedScene(spec: VegaLiteSpec): Promise<SceneMark[]> {
  const view = new vega.View(vega.parse(compile(withWholeLabels(spec)).spec), { renderer: "none" });
  try {
    await view.runAsync();
    const marks: SceneMark[] = [];
    walk((view.scenegraph() as unknown as { root: Node }).root, marks);
    return marks;
  } finally {
    view.finalize();
  }
}

/** Items of the data marks of a type (area, rule, symbol, line, text). */
export function dataItems(scene: readonly SceneMark[], marktype: string): SceneItem[] {
  return scene.filter((m) => m.role === "mark" && m.marktype === marktype).flatMap((m) => m.items);
}

/** The labels of the axes (tick labels), as shown. */
export function axisLabels(scene: readonly SceneMark[]): string[] {
  return scene.filter((m) => m.role === "axis-label").flatMap((m) => m.items.map((i) => String(i.text ?? "")));
}

/** Band areas drawn at a point (a defined item with a lower and upper bound). */
export function drawnBands(scene: readonly SceneMark[]): { lo: number; hi: number; datum: Record<string, unknown> }[] {
  return dataItems(scene, "area")
    .filter((i) => i.defined !== false && typeof i.datum.lo === "number")
    .map((i) => ({ lo: i.datum.lo as number, hi: i.datum.hi as number, datum: i.datum }));
}

/** Seed values drawn as points (the flattened `seed` field). */
export function drawnSeeds(scene: readonly SceneMark[]): { seed: number; datum: Record<string, unknown> }[] {
  return dataItems(scene, "symbol")
    .filter((i) => typeof i.datum.seed === "number")
    .map((i) => ({ seed: i.datum.seed as number, datum: i.datum }));
}
