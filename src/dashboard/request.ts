// What an API handler gets: the store's path and the query string, read as `nfx runs`'s flags are; and the error
// a handler throws for a request at fault (400) or for something that is not there (404).
import { RunStore } from "../core/store/runStore.js";

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "HttpError";
  }
}

export interface ApiRequest {
  /** The store file, opened read-only for each request (so every answer reads what is stored now). */
  db: string;
  params: URLSearchParams;
}

/** A query parameter, undefined when absent or empty. */
export function param(req: ApiRequest, name: string): string | undefined {
  const v = req.params.get(name);
  return v === null || v.trim() === "" ? undefined : v;
}

/** A non-negative integer parameter; 400 naming it when it is not one. */
export function intParam(req: ApiRequest, name: string, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  const v = param(req, name);
  if (v === undefined) return fallback;
  if (!/^\d+$/.test(v)) throw new HttpError(400, `${name}: not a non-negative integer ('${v}')`);
  return Math.min(Number(v), max);
}

/** Runs `fn` on the store opened read-only (as `nfx runs` opens it), closing it after. */
export function withStore<T>(db: string, fn: (store: RunStore) => T): T {
  const store = RunStore.open(db, { readonly: true });
  try {
    return fn(store);
  } finally {
    store.close();
  }
}
