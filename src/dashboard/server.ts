// `nfx ui`'s server: node's http server over the store, read-only but for notes and tags. Serves the front end and
// the JSON API (api.ts) to GET requests, and takes one write: a run's notes and tags (POST, notesData.ts). Listens on 127.0.0.1 unless told otherwise; on any other address every request must show
// the token made at start (access.ts). The store is opened read-only per request, as `nfx runs` opens it, so the
// pages read what any process has committed by then and the store's bytes never change.
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { RunStore } from "../core/store/runStore.js";
import { allowed, isLoopback, newToken, TOKEN_COOKIE } from "./access.js";
import { type ApiAnswer, answerApi } from "./api.js";
import { writeNotes } from "./notesData.js";
import { HttpError } from "./request.js";
import { type StaticFile, staticTable } from "./staticFiles.js";

export const DEFAULT_HOST = "127.0.0.1";
export const DEFAULT_PORT = 8478;

export interface DashboardOptions {
  db: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** The token non-loopback clients must show; default a fresh random one (ignored on loopback). */
  token?: string;
}

export interface Dashboard {
  /** The address to open: with `?token=…` when one is required. */
  url: string;
  host: string;
  port: number;
  token: string | null;
  close(): Promise<void>;
}

/**
 * What a page may load: only this server's own scripts, styles and API (no request leaves the machine, even one a
 * spec asks for); vega compiles its expressions with Function, hence 'unsafe-eval'; vega-embed adds a style element.
 */
const CSP =
  "default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; " +
  "img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

function send(res: http.ServerResponse, status: number, type: string, body: string | Buffer, head = false): void {
  res.writeHead(status, {
    "Content-Type": type,
    "Content-Length": Buffer.byteLength(body),
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
  });
  res.end(head ? undefined : body);
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, head = false): void {
  send(res, status, "application/json; charset=utf-8", JSON.stringify(body), head);
}

/** On a loopback address, a Host header naming another machine is a page elsewhere reaching in (DNS rebinding). */
function hostHeaderOk(req: http.IncomingMessage, loopback: boolean): boolean {
  if (!loopback) return true;
  const host = (req.headers.host ?? "").replace(/:\d+$/, "").replace(/^\[|\]$/g, "");
  return host === "" || isLoopback(host);
}

/**
 * The request's path and query, or null for a target that is not a path (an absolute URL, `*`). Parsed after a
 * fixed origin, so a path starting `//` stays a path rather than naming a host.
 */
function requestUrl(target: string | undefined): URL | null {
  if (!target?.startsWith("/")) return null;
  try {
    return new URL(`http://dashboard.invalid${target}`);
  } catch {
    return null;
  }
}

/** The most bytes a write's body may have (a note is at most 10,000 characters). */
const MAX_BODY = 64 * 1024;

async function readBody(req: http.IncomingMessage): Promise<string | null> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * POST /api/runs/:ref/notes: the one write (notesData.ts). Only with a JSON body and the X-Nfx-Write header, so
 * that a form or a script on another site (which cannot set that header without a preflight) cannot write.
 */
async function answerWrite(db: string, req: http.IncomingMessage, pathname: string): Promise<ApiAnswer> {
  const m = /^\/api\/runs\/([^/]+)\/notes$/.exec(pathname);
  if (!m) return { status: 405, body: { error: "the dashboard writes only notes and tags (POST /api/runs/ID/notes)" } };
  if (req.headers["x-nfx-write"] !== "1" || !/^application\/json\b/.test(req.headers["content-type"] ?? ""))
    return { status: 403, body: { error: "a write needs a JSON body and the header X-Nfx-Write: 1" } };
  const text = await readBody(req);
  if (text === null) return { status: 413, body: { error: `body over ${MAX_BODY} bytes` } };
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { status: 400, body: { error: "body: not JSON" } };
  }
  if (typeof body !== "object" || body === null) return { status: 400, body: { error: "body: a JSON object" } };
  try {
    return { status: 200, body: writeNotes(db, decodeURIComponent(m[1] as string), body) };
  } catch (err) {
    if (err instanceof HttpError) return { status: err.status, body: { error: err.message } };
    return { status: 500, body: { error: (err as Error).message } };
  }
}

function handler(db: string, token: string | null, loopback: boolean, files: Map<string, StaticFile>) {
  return async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const head = req.method === "HEAD";
    const url = requestUrl(req.url);
    if (!url) return sendJson(res, 404, { error: "not found" }, head);
    if (!hostHeaderOk(req, loopback)) return sendJson(res, 403, { error: "unexpected Host header" }, head);
    if (!allowed(req, url, token)) return sendJson(res, 401, { error: "token required (printed by nfx ui)" }, head);
    if (req.method === "POST") {
      const answer = await answerWrite(db, req, url.pathname);
      return sendJson(res, answer.status, answer.body);
    }
    if (req.method !== "GET" && !head)
      return sendJson(res, 405, { error: "the dashboard reads (GET); it writes only notes and tags (POST)" });
    if (token !== null && url.searchParams.get("token") === token)
      res.setHeader("Set-Cookie", `${TOKEN_COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`);
    if (url.pathname.startsWith("/api/")) {
      let pathname: string;
      try {
        pathname = decodeURIComponent(url.pathname);
      } catch {
        return sendJson(res, 404, { error: "no such endpoint" }, head);
      }
      const answer = await answerApi(db, pathname, url.searchParams);
      if (!answer) return sendJson(res, 404, { error: `no endpoint ${pathname} (see docs/ui.md)` }, head);
      return sendJson(res, answer.status, answer.body, head);
    }
    const file = files.get(url.pathname);
    if (!file) return sendJson(res, 404, { error: "not found" }, head);
    send(res, 200, file.type, fs.readFileSync(file.file), head);
  };
}

/** A failure to listen as one line naming the flag at fault. */
function listenError(err: NodeJS.ErrnoException, host: string, port: number | undefined): Error {
  if (err.code === "EADDRINUSE") return new Error(`--port ${port}: already in use on ${host}`);
  if (err.code === "EACCES") return new Error(`--port ${port}: not allowed for this user (ports below 1024 need root)`);
  if (err.code === "EADDRNOTAVAIL" || err.code === "ENOTFOUND" || err.code === "EAI_AGAIN")
    return new Error(`--host ${host}: not an address of this machine`);
  return err;
}

/**
 * Starts the server once the store opens read-only (so a missing or unreadable store fails here, with the line
 * `nfx runs` gives). Throws on a port in use, naming it.
 */
export async function startDashboard(opts: DashboardOptions): Promise<Dashboard> {
  RunStore.open(opts.db, { readonly: true }).close();
  const host = opts.host ?? DEFAULT_HOST;
  const loopback = isLoopback(host);
  const token = loopback ? null : (opts.token ?? newToken());
  const files = staticTable();
  const serve = handler(opts.db, token, loopback, files);
  const server = http.createServer((req, res) => {
    serve(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: (err as Error).message ?? String(err) });
      else res.destroy();
    });
  });
  // Idle connections kept longer than clients keep them (node's 5 s default): a client reusing a connection the
  // server has just closed fails its request ("fetch failed"), which a page polling every second, or a script
  // pausing between calls, meets at random.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) => reject(listenError(err, host, opts.port)));
    server.listen(opts.port ?? DEFAULT_PORT, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const shown = host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}/${token ? `?token=${token}` : ""}`,
    host,
    port,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
