// Reading the record: runs (all, of a sweep, by a compiled filter, by a user's reference) and a run's metrics,
// evaluations and artifacts. Readers never wait for a writer in WAL mode; they retry where SQLite says busy.
import { resolveArtifactPath } from "./artifactPaths.js";
import type { StoreConn } from "./connection.js";
import {
  type ArtifactRow,
  type EvalRow,
  type MetricRow,
  type RunRow,
  type RunStatus,
  type StoredRun,
  toStoredRun,
} from "./runTypes.js";

/** All runs (optionally of one sweep), oldest first. */
export function listRuns(store: StoreConn, opts: { sweepId?: number; status?: RunStatus } = {}): StoredRun[] {
  const where: string[] = [];
  const args: (string | number)[] = [];
  if (opts.sweepId !== undefined) {
    where.push("id IN (SELECT run_id FROM sweep_runs WHERE sweep_id = ?)");
    args.push(opts.sweepId);
  }
  if (opts.status) {
    where.push("status = ?");
    args.push(opts.status);
  }
  const sql = `SELECT * FROM runs ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY id`;
  return store.read(() => store.db.prepare(sql).all(...args) as RunRow[]).map(toStoredRun);
}

/** Runs matching a compiled filter, in a compiled order (see runQuery.ts). */
export function selectRuns(
  store: StoreConn,
  where: { sql: string; params: unknown[] } | null,
  order: { sql: string; params: unknown[] },
  limit: number | null,
): StoredRun[] {
  const sql =
    `SELECT * FROM runs ${where ? `WHERE ${where.sql}` : ""} ORDER BY ${order.sql}` +
    (limit !== null ? " LIMIT ?" : "");
  const params = [...(where?.params ?? []), ...order.params, ...(limit !== null ? [limit] : [])];
  return store.read(() => store.db.prepare(sql).all(...params) as RunRow[]).map(toStoredRun);
}

/**
 * A run by numeric id, or by a user's reference (see runCandidates): undefined when nothing matches. Throws
 * AmbiguousRunError when a reference matches more than one run, and an Error for a reference that is neither
 * an id nor hex digits.
 */
export function getRun(store: StoreConn, ref: string | number): StoredRun | undefined {
  if (typeof ref === "number") {
    const row = store.read(() => store.db.prepare("SELECT * FROM runs WHERE id = ?").get(ref) as RunRow | undefined);
    return row ? toStoredRun(row) : undefined;
  }
  const found = runCandidates(store, ref);
  if (found.length > 1) throw new AmbiguousRunError(ref, found);
  return found[0]?.run;
}

/**
 * Every run a user's reference names, with how: a run id (digits only), or a prefix of the config hash (at least
 * MIN_HASH_PREFIX hex digits, any case; matched exactly, never as a LIKE pattern). A short all-digit reference
 * is only an id; a longer one is both, so "1234" names run 1234 and runs whose hash starts with 1234 ("id:1234"
 * is only the id).
 * Throws for a reference that can be neither.
 */
export function runCandidates(store: StoreConn, ref: string): { run: StoredRun; by: "id" | "hash" }[] {
  const byId = /^id:/i.test(ref.trim());
  const text = byId ? ref.trim().slice(3) : ref.trim();
  const isId = /^\d+$/.test(text);
  const isHash = !byId && /^[0-9a-f]+$/i.test(text) && text.length >= MIN_HASH_PREFIX;
  if (!isId && !isHash) {
    throw new Error(
      !byId && /^[0-9a-f]+$/i.test(text)
        ? `'${ref}': too short for a config-hash prefix (give at least ${MIN_HASH_PREFIX} hex digits, or a run id)`
        : `'${ref}': not a run id (digits) or a config-hash prefix (hex digits)`,
    );
  }
  const out: { run: StoredRun; by: "id" | "hash" }[] = [];
  store.read(() => {
    if (isId) {
      const row = store.db.prepare("SELECT * FROM runs WHERE id = ?").get(Number(text)) as RunRow | undefined;
      if (row) out.push({ run: toStoredRun(row), by: "id" });
    }
    if (isHash) {
      const prefix = text.toLowerCase();
      // A range on the unique index, then an exact comparison: hashes are lowercase hex.
      const rows = store.db
        .prepare(
          "SELECT * FROM runs WHERE config_hash >= ? AND config_hash < ? AND substr(config_hash, 1, ?) = ? ORDER BY id",
        )
        .all(prefix, `${prefix}g`, prefix.length, prefix) as RunRow[];
      for (const r of rows) if (!out.some((o) => o.run.id === r.id)) out.push({ run: toStoredRun(r), by: "hash" });
    }
  });
  return out;
}

/**
 * Files a run produced, oldest first (sha256 and bytes null for a file that was not there), with absolute paths
 * found where the store is now (artifactPaths.resolveArtifactPath).
 */
export function artifacts(store: StoreConn, runId: number): ArtifactRow[] {
  const rows = store.read(
    () =>
      store.db
        .prepare("SELECT kind, path, sha256, bytes, created_at FROM artifacts WHERE run_id = ? ORDER BY id")
        .all(runId) as ArtifactRow[],
  );
  return rows.map((r) => ({ ...r, path: resolveArtifactPath(store.file, r.path, r.sha256, r.bytes) }));
}

/** A run's evaluations, by split then step. */
export function evals(store: StoreConn, runId: number): EvalRow[] {
  return store.read(
    () =>
      store.db
        .prepare("SELECT step, split, top1, loss, n FROM evals WHERE run_id = ? ORDER BY split, step")
        .all(runId) as EvalRow[],
  );
}

/** Metric names of a run with their count and last value. */
export function metricNames(store: StoreConn, runId: number): { name: string; count: number; last: number | null }[] {
  return store.read(
    () =>
      store.db
        .prepare(
          `SELECT name, count(*) AS count,
             (SELECT value FROM metrics m2 WHERE m2.run_id = m.run_id AND m2.name = m.name ORDER BY step DESC LIMIT 1)
               AS last
           FROM metrics m WHERE run_id = ? GROUP BY name ORDER BY name`,
        )
        .all(runId) as { name: string; count: number; last: number | null }[],
  );
}

/** A run's per-step metrics (one name, or all by name then step); a non-finite value is stored as null. */
/** Ids of the runs that sweeps called `name` asked for (every invocation of that name). */
export function runIdsOfSweepsNamed(store: StoreConn, name: string): Set<number> {
  const rows = store.read(
    () =>
      store.db
        .prepare("SELECT DISTINCT r.run_id AS id FROM sweep_runs r JOIN sweeps s ON s.id = r.sweep_id WHERE s.name = ?")
        .all(name) as { id: number }[],
  );
  return new Set(rows.map((r) => r.id));
}

/** Per metric of a run: its mean over the steps, its value at the last step, and the number of steps recorded. */
export interface MetricSummary {
  name: string;
  mean: number | null;
  last: number | null;
  steps: number;
}

/** Every metric of run `id` whose name starts with one of `prefixes`, summarised in SQL (one query). */
export function metricSummaries(store: StoreConn, id: number, prefixes: readonly string[]): MetricSummary[] {
  if (!prefixes.length) return [];
  const like = prefixes.map(() => "name LIKE ? ESCAPE '\\'").join(" OR ");
  const args = prefixes.map((p) => `${p.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
  return store.read(
    () =>
      store.db
        .prepare(
          `SELECT name, avg(value) AS mean, count(*) AS steps,
             (SELECT value FROM metrics l WHERE l.run_id = m.run_id AND l.name = m.name ORDER BY step DESC LIMIT 1) AS last
           FROM metrics m WHERE run_id = ? AND (${like}) GROUP BY name ORDER BY name`,
        )
        .all(id, ...args) as MetricSummary[],
  );
}

export function metrics(store: StoreConn, id: number, name?: string): MetricRow[] {
  return store.read(
    () =>
      (name
        ? store.db
            .prepare("SELECT step, name, value FROM metrics WHERE run_id = ? AND name = ? ORDER BY step")
            .all(id, name)
        : store.db
            .prepare("SELECT step, name, value FROM metrics WHERE run_id = ? ORDER BY name, step")
            .all(id)) as MetricRow[],
  );
}

/** The fewest hex digits of a config hash that name a run (as git's shortest abbreviation). */
export const MIN_HASH_PREFIX = 4;

/** A user's run reference that names more than one run; the message lists them. */
export class AmbiguousRunError extends Error {
  constructor(
    readonly ref: string,
    readonly candidates: readonly { run: StoredRun; by: "id" | "hash" }[],
  ) {
    const list = candidates
      .map((c) => `run ${c.run.id} (${c.by === "id" ? "by id" : `hash ${c.run.config_hash}`})`)
      .join(", ");
    const byId = candidates.some((c) => c.by === "id");
    super(
      `'${ref}' is ambiguous: it names ${list}; give more digits of the hash${byId ? ` (or id:${ref.trim()} for the id)` : ""}`,
    );
    this.name = "AmbiguousRunError";
  }
}
