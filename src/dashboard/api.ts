// The JSON API, one endpoint per view (docs/ui.md): a table of routes, each a path pattern and its handler. Only
// GET; every answer is JSON, an error `{"error": "…"}` with 400 (the request is at fault), 403 (a write refused),
// 404 (nothing there) or 500.
import { compareRuns } from "./compareData.js";
import { type ApiRequest, HttpError } from "./request.js";
import { runPage } from "./runData.js";
import { fields, runGroups, runsList, runsPage } from "./runsData.js";
import { sqlQuery } from "./sqlData.js";
import { sweepPage, sweepsList } from "./sweepsData.js";

type Handler = (req: ApiRequest, arg: string) => unknown;

/**
 * The figures' code (experiments/report, vega-lite) loads on the first request that needs it, not at start: it is
 * most of what the server would load, and `nfx ui` must listen within 2 s.
 */
const figures = () => import("./figuresData.js");

const ROUTES: { path: RegExp; handler: Handler }[] = [
  { path: /^\/api\/runs$/, handler: runsList },
  { path: /^\/api\/runs-page$/, handler: runsPage },
  { path: /^\/api\/runs\/([^/]+)$/, handler: runPage },
  { path: /^\/api\/groups$/, handler: runGroups },
  { path: /^\/api\/fields$/, handler: fields },
  { path: /^\/api\/compare$/, handler: compareRuns },
  { path: /^\/api\/sweeps$/, handler: sweepsList },
  { path: /^\/api\/sweeps\/([^/]+)$/, handler: sweepPage },
  { path: /^\/api\/figures$/, handler: async () => (await figures()).figuresList() },
  { path: /^\/api\/figure\/([^/]+)$/, handler: async (req, name) => (await figures()).figurePage(req, name) },
  { path: /^\/api\/report$/, handler: async (req) => (await figures()).reportPage(req) },
  { path: /^\/api\/query$/, handler: sqlQuery },
];

export interface ApiAnswer {
  status: number;
  body: unknown;
}

/** Errors of a request's own making that the store's code throws as plain Errors (a bad filter, an unknown field). */
const REQUEST_FAULT = /^(--where|--sort|unknown field|SQL:|'.*': )/;

/** Answers `pathname` (already decoded) with `params`; null when no route matches. */
export async function answerApi(db: string, pathname: string, params: URLSearchParams): Promise<ApiAnswer | null> {
  for (const route of ROUTES) {
    const m = route.path.exec(pathname);
    if (!m) continue;
    try {
      return { status: 200, body: await route.handler({ db, params }, m[1] ?? "") };
    } catch (err) {
      if (err instanceof HttpError) return { status: err.status, body: { error: err.message } };
      const message = (err as Error).message ?? String(err);
      return { status: REQUEST_FAULT.test(message) ? 400 : 500, body: { error: message } };
    }
  }
  return null;
}
