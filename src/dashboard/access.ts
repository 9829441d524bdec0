// Who may read the dashboard: anyone on this machine when it listens on a loopback address; on any other address
// only a client that shows the token printed at start (a query parameter on the first page, then a cookie, or an
// `Authorization: Bearer` header for scripts). Every other request gets 401 before any route runs.
import crypto from "node:crypto";
import type http from "node:http";
import net from "node:net";

/** The cookie the first page sets so that the page's own requests carry the token. */
export const TOKEN_COOKIE = "nfx_token";

/** Whether `host` (as given to --host) only accepts connections from this machine. */
export function isLoopback(host: string): boolean {
  if (host === "localhost") return true;
  if (net.isIPv4(host)) return host.startsWith("127.");
  if (net.isIPv6(host)) return host === "::1" || host.toLowerCase().startsWith("::ffff:127.");
  return false;
}

/** A fresh token: 24 random bytes as URL-safe base64 (192 bits; unguessable in any lifetime of a server). */
export function newToken(): string {
  return crypto.randomBytes(24).toString("base64url");
}

/** The token a request shows: `?token=`, `Authorization: Bearer …` or the cookie, in that order; null if none. */
function tokenOf(req: http.IncomingMessage, url: URL): string | null {
  const q = url.searchParams.get("token");
  if (q) return q;
  const auth = req.headers.authorization;
  if (auth?.startsWith("Bearer ")) return auth.slice(7).trim();
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === TOKEN_COOKIE) return decodeURIComponent(v.join("="));
  }
  return null;
}

/** Whether the request may be served: always without a token required, else only with the right one. */
export function allowed(req: http.IncomingMessage, url: URL, token: string | null): boolean {
  if (token === null) return true;
  const shown = tokenOf(req, url);
  if (shown === null) return false;
  const a = Buffer.from(shown);
  const b = Buffer.from(token);
  // Constant-time comparison: the token must not leak one character at a time through response timing.
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}
