// The files the dashboard serves besides its API: the front end (src/dashboard/web, copied to dist by the build)
// and the vega libraries' browser builds from node_modules. Both are listed once at start into a table of URL
// path → file, and a request is answered from that table only: no path from a request is ever joined to a
// folder, so `..`, encoded slashes or absolute paths name nothing and get 404.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { vegaScriptFiles } from "../core/plot/offlineHtml.js";

/** The front end's folder, beside this file in src/ (tsx) and in dist/ alike. */
export const WEB_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "web");

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
};

export interface StaticFile {
  file: string;
  type: string;
}

function listWeb(dir: string, prefix: string, out: Map<string, StaticFile>): void {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) listWeb(file, `${prefix}${entry.name}/`, out);
    else if (entry.isFile() && TYPES[path.extname(entry.name)])
      out.set(`${prefix}${entry.name}`, { file, type: TYPES[path.extname(entry.name)] as string });
  }
}

/** URL path → file, for every file the dashboard serves (`/` is index.html). Throws if the front end is missing. */
export function staticTable(): Map<string, StaticFile> {
  if (!fs.existsSync(path.join(WEB_DIR, "index.html")))
    throw new Error(`${WEB_DIR}: the dashboard's pages are missing (run npm run build)`);
  const table = new Map<string, StaticFile>();
  listWeb(WEB_DIR, "/", table);
  for (const [name, file] of vegaScriptFiles()) table.set(`/vendor/${name}`, { file, type: TYPES[".js"] as string });
  const index = table.get("/index.html");
  if (index) table.set("/", index);
  return table;
}
