// A figure as one HTML page that works offline: vega, vega-lite and vega-embed are inlined from node_modules,
// so opening the file needs neither a network nor a server.
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { VegaLiteSpec } from "./render.js";

const require = createRequire(import.meta.url);

const LIBRARIES = [
  ["vega", "build/vega.min.js"],
  ["vega-lite", "build/vega-lite.min.js"],
  ["vega-embed", "build/vega-embed.min.js"],
] as const;

let cachedScripts: string | undefined;

/** A package's root: the nearest folder above its resolved entry point whose package.json carries its name. */
function packageDir(name: string): string {
  let dir = path.dirname(require.resolve(name));
  for (;;) {
    const manifest = path.join(dir, "package.json");
    if (fs.existsSync(manifest) && (JSON.parse(fs.readFileSync(manifest, "utf8")) as { name?: string }).name === name)
      return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`${name}: cannot find its package folder`);
    dir = up;
  }
}

/** The three libraries' browser builds, as files: [file name, absolute path] (served by nfx ui). */
export function vegaScriptFiles(): [string, string][] {
  return LIBRARIES.map(([pkg, file]) => [path.basename(file), path.join(packageDir(pkg), file)]);
}

/** The three libraries as inline <script> elements (read once per process). */
export function inlineVegaScripts(): string {
  if (cachedScripts === undefined) {
    cachedScripts = LIBRARIES.map(([pkg, file]) => {
      // "</script" inside a library would end the element early; escaping the slash keeps the JS identical.
      const js = fs.readFileSync(path.join(packageDir(pkg), file), "utf8").replaceAll("</script", "<\\/script");
      return `<script>/* ${pkg} */\n${js}\n</script>`;
    }).join("\n");
  }
  return cachedScripts;
}

export function escapeHtml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");
}

/** JSON safe to embed in a <script> element. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replaceAll("<", "\\u003c");
}

/** Script that renders each spec into the element with the given id, reporting failures on the page itself. */
export function embedScript(charts: readonly { id: string; spec: VegaLiteSpec }[]): string {
  const calls = charts
    .map(
      (c) =>
        `vegaEmbed(${scriptJson(`#${c.id}`)}, ${scriptJson(c.spec)}, { actions: { export: true, source: true, compiled: false, editor: false }, renderer: "svg", logger: nfxLogger })` +
        `.catch((e) => { document.querySelector(${scriptJson(`#${c.id}`)}).textContent = "figure failed: " + e.message; throw e; });`,
    )
    .join("\n");
  // The logger of render.ts's compileLogger, in the page: warnings shown, except Vega-Lite's "Maximum optimization
  // runs(5) reached." (its dataflow optimiser stopping after a fixed number of passes; the figure is the same).
  const logger =
    "const nfxLogger = vega.logger(vega.Warn); const nfxWarn = nfxLogger.warn.bind(nfxLogger); " +
    'nfxLogger.warn = (...a) => (typeof a[0] === "string" && a[0].startsWith("Maximum optimization runs") ? nfxLogger : nfxWarn(...a));';
  return `<script>\n${logger}\n${calls}\n</script>`;
}

export const PAGE_STYLE = `body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:1100px;padding:0 1rem;color:#222}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem}code{background:#f3f3f3;padding:0 .2em}
table{border-collapse:collapse;font-size:.9rem}td,th{border:1px solid #ddd;padding:.25rem .5rem;text-align:left}
.holds{color:#1a7f37;font-weight:bold}.does-not-hold{color:#cf222e;font-weight:bold}.not-enough-runs{color:#9a6700;font-weight:bold}
.claim{border-top:1px solid #ddd;padding-top:.5rem}.muted{color:#666}`;

/** One chart on its own page. */
export function figureHtml(spec: VegaLiteSpec, title: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<style>${PAGE_STYLE}</style>
${inlineVegaScripts()}
</head>
<body>
<div id="figure"></div>
${embedScript([{ id: "figure", spec }])}
</body>
</html>
`;
}
