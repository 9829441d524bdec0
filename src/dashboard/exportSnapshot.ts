// `nfx ui --export DIR`: the dashboard as static files that open without nfx or a server (a paper's supplement, a
// colleague's browser): the front end and the vega libraries copied, and every answer its pages ask for by
// default — the runs table page by page, each run, each sweep, the figures and the report — computed now by the
// same API code and written into snapshot.js, a classic script (file:// pages may not fetch or load modules).
// Filters, Compare and SQL need a live store and say so in the snapshot.
import fs from "node:fs";
import path from "node:path";
import { writeFileAtomic } from "../core/base/files.js";
import { SWEEP_FIGURES } from "../experiments/figures/registry.js";
import { answerApi } from "./api.js";
import { withStore } from "./request.js";
import { staticTable } from "./staticFiles.js";

/** The runs table's page size (web/js/runs.js PAGE). */
const PAGE = 50;

/** The key a page asks under (web/js/core.js requestKey): path, then its non-empty parameters sorted. */
export function requestKey(pathname: string, params: Record<string, string | number> = {}): string {
  const entries = Object.entries(params)
    .filter(([, v]) => String(v) !== "")
    .map(([k, v]): [string, string] => [k, String(v)])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const query = new URLSearchParams(entries).toString();
  return query ? `${pathname}?${query}` : pathname;
}

export interface ExportResult {
  dir: string;
  runs: number;
  sweeps: number;
  /** Answers written into snapshot.js. */
  answers: number;
  /** Requests whose answer was an error, with it (left out: the page says it is not in the snapshot). */
  errors: string[];
  bytes: number;
}

/** Every request the snapshot answers, for this store's runs and sweeps. */
function snapshotRequests(db: string): [string, Record<string, string | number>][] {
  const { ids, sweeps } = withStore(db, (store) =>
    store.read(() => ({
      ids: (store.db.prepare("SELECT id FROM runs ORDER BY id").all() as { id: number }[]).map((r) => r.id),
      sweeps: (store.db.prepare("SELECT id FROM sweeps ORDER BY id").all() as { id: number }[]).map((r) => r.id),
    })),
  );
  const requests: [string, Record<string, string | number>][] = [
    ["/api/fields", {}],
    ["/api/runs", {}],
    ["/api/sweeps", {}],
    ["/api/figures", {}],
    ["/api/report", {}],
  ];
  for (let offset = 0; offset === 0 || offset < ids.length; offset += PAGE)
    requests.push(["/api/runs-page", { offset, limit: PAGE }]);
  for (const id of ids) requests.push([`/api/runs/${id}`, {}]);
  for (const id of sweeps) requests.push([`/api/sweeps/${id}`, {}]);
  for (const f of SWEEP_FIGURES) requests.push([`/api/figure/${f.name}`, {}]);
  return requests;
}

/** Writes the snapshot of `db` into `dir` (created; files of an earlier export there are replaced). */
export async function exportSnapshot(db: string, dir: string): Promise<ExportResult> {
  const files = staticTable();
  const answers: Record<string, unknown> = {};
  const errors: string[] = [];
  const requests = snapshotRequests(db);
  for (const [pathname, params] of requests) {
    const answer = await answerApi(
      db,
      pathname,
      new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)])),
    );
    if (!answer) continue;
    if (answer.status !== 200)
      errors.push(`${requestKey(pathname, params)}: ${(answer.body as { error: string }).error}`);
    else answers[requestKey(pathname, params)] = answer.body;
  }
  fs.mkdirSync(dir, { recursive: true });
  let bytes = 0;
  for (const [urlPath, file] of files) {
    if (urlPath === "/" || urlPath === "/snapshot.js") continue;
    const target = path.join(dir, ...urlPath.slice(1).split("/"));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(file.file, target);
    bytes += fs.statSync(target).size;
  }
  const script = `// nfx ui --export of ${path.basename(db)}, ${new Date().toISOString()}\nwindow.NFX_SNAPSHOT = ${JSON.stringify(answers).replaceAll("</", "<\\/")};\n`;
  writeFileAtomic(path.join(dir, "snapshot.js"), script);
  bytes += Buffer.byteLength(script);
  const runs = requests.filter(([p]) => p.startsWith("/api/runs/")).length;
  const sweeps = requests.filter(([p]) => p.startsWith("/api/sweeps/")).length;
  return { dir, runs, sweeps, answers: Object.keys(answers).length, errors, bytes };
}
