// The text a rendered figure shows, read from vega's scene graph (compiled with vega-lite, a headless View with
// renderer "none"): every visible text item with its bounds in the figure's own coordinates, so that a test can
// check that no two labels overlap and that every label lies inside the figure.
import * as vega from "vega";
import { compile } from "vega-lite";
import { type VegaLiteSpec, withWholeLabels } from "../../src/core/plot/render.js";

export interface SceneText {
  text: string;
  /** What drew it: the name of the mark's role ("axis-label", "legend-label", "title-text", …). */
  role: string;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

interface SceneNode {
  marktype?: string;
  role?: string;
  items?: SceneNode[];
  x?: number;
  y?: number;
  text?: string | string[];
  opacity?: number;
  fillOpacity?: number;
  bounds?: { x1: number; y1: number; x2: number; y2: number };
  datum?: Record<string, unknown>;
}

export interface Scene {
  texts: SceneText[];
  /** The data of every drawn mark item, with the role of its mark. */
  data: { role: string; marktype: string; datum: Record<string, unknown> }[];
  width: number;
  height: number;
}

function walk(node: SceneNode, dx: number, dy: number, scene: Scene): void {
  for (const item of node.items ?? []) {
    if (node.marktype === "text" && item.bounds && item.opacity !== 0 && item.fillOpacity !== 0) {
      const text = Array.isArray(item.text) ? item.text.join(" ") : String(item.text ?? "");
      if (text.trim()) {
        const b = item.bounds;
        scene.texts.push({ text, role: node.role ?? "", x1: b.x1 + dx, y1: b.y1 + dy, x2: b.x2 + dx, y2: b.y2 + dy });
      }
    }
    if (node.marktype && node.marktype !== "group" && item.datum) {
      scene.data.push({ role: node.role ?? "", marktype: node.marktype, datum: item.datum });
    }
    // A group item's children are drawn relative to its position.
    const inGroup = node.marktype === "group";
    walk(item, dx + (inGroup ? (item.x ?? 0) : 0), dy + (inGroup ? (item.y ?? 0) : 0), scene);
  }
}

/** The spec rendered as nfx renders it (labels whole), its visible texts and drawn data. */
export async function sceneOf(spec: VegaLiteSpec): Promise<Scene> {
  const view = new vega.View(vega.parse(compile(withWholeLabels(spec)).spec), { renderer: "none" });
  try {
    await view.runAsync();
    const root = (view.scenegraph() as unknown as { root: SceneNode }).root;
    const [ox, oy] = view.origin();
    // The figure's size as written: the SVG's own width and height (autosize grows it to hold every mark).
    const svg = await view.toSVG();
    const size = (name: string) => Number(new RegExp(`<svg[^>]* ${name}="([0-9.]+)"`).exec(svg)?.[1] ?? Number.NaN);
    const scene: Scene = { texts: [], data: [], width: size("width"), height: size("height") };
    walk({ marktype: "group", items: [root] } as SceneNode, ox, oy, scene);
    return scene;
  } finally {
    view.finalize();
  }
}

/** Pairs of texts whose boxes intersect by more than `slack` pixels each way. */
export function overlaps(texts: readonly SceneText[], slack = 0.5): [SceneText, SceneText][] {
  const out: [SceneText, SceneText][] = [];
  for (let i = 0; i < texts.length; i++) {
    for (let j = i + 1; j < texts.length; j++) {
      const a = texts[i] as SceneText;
      const b = texts[j] as SceneText;
      const w = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
      const h = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
      if (w > slack && h > slack) out.push([a, b]);
    }
  }
  return out;
}
