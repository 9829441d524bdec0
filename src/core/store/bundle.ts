// A lossless bundle of runs: JSON lines holding every column of the runs (with their metrics, evals and
// artifacts) and the sweeps that asked for them. `importBundle` merges one into another store by config hash,
// idempotently: a run the target already finished is kept, a finished run replaces an unfinished one, and a
// second import of the same bundle changes nothing. The file's format, and reading and checking one whole, are in
// bundleFile.ts.
import fs from "node:fs";
import { writeAll, writeFileAtomic } from "../base/files.js";
import { configHash } from "../config/hash.js";
import type { RunConfig } from "../config/schema.js";
import { resolveArtifactPath, storedArtifactPath } from "./artifactPaths.js";
import { BUNDLE_FORMAT, BUNDLE_VERSION, type BundleLines, type Line, type Row, readBundle } from "./bundleFile.js";
import { CHECKPOINT_KIND } from "./checkpointRecords.js";
import { DONE_STATUSES, type RunStatus, RunStore, type StoredRun } from "./runStore.js";
import { SCHEMA_VERSION } from "./schema.js";
import { assertSqliteOrAbsent } from "./sqliteFile.js";

export function exportBundle(
  store: RunStore,
  runs: readonly StoredRun[],
  file: string,
): { runs: number; sweeps: number } {
  const db = store.db;
  const ids = runs.map((r) => r.id);
  let sweeps = 0;
  let written = 0;
  writeFileAtomic(file, (out) => {
    const write = (line: Line) => {
      writeAll(out, Buffer.from(`${JSON.stringify(line)}\n`, "utf8"));
      written++;
    };
    write({
      type: "header",
      format: BUNDLE_FORMAT,
      version: BUNDLE_VERSION,
      schema_version: SCHEMA_VERSION,
      exported_at: new Date().toISOString(),
      runs: ids.length,
    });
    const sweepRows = db
      .prepare(
        `SELECT * FROM sweeps WHERE id IN (SELECT sweep_id FROM sweep_runs WHERE run_id IN (SELECT value FROM json_each(?)))
         ORDER BY id`,
      )
      .all(JSON.stringify(ids)) as Row[];
    sweeps = sweepRows.length;
    for (const s of sweepRows) {
      const { id: _id, ...row } = s;
      write({ type: "sweep", row });
    }
    const runRow = db.prepare("SELECT * FROM runs WHERE id = ?");
    const sweepsOf = db.prepare(
      "SELECT s.uid FROM sweep_runs sr JOIN sweeps s ON s.id = sr.sweep_id WHERE sr.run_id = ?",
    );
    const metrics = db.prepare("SELECT step, name, value FROM metrics WHERE run_id = ? ORDER BY name, step").raw();
    const evals = db
      .prepare("SELECT step, split, top1, loss, n FROM evals WHERE run_id = ? ORDER BY split, step")
      .raw();
    const artifacts = db.prepare(
      "SELECT kind, path, sha256, bytes, created_at, meta_json FROM artifacts WHERE run_id = ?",
    );
    for (const id of ids) {
      const { id: _id, owner_host: _h, owner_pid: _p, worker_pid: _w, ...row } = runRow.get(id) as Row;
      const hash = row.config_hash as string;
      write({ type: "run", row, sweeps: (sweepsOf.all(id) as { uid: string }[]).map((s) => s.uid) });
      write({ type: "metrics", hash, rows: metrics.all(id) as [number, string, number | null][] });
      write({ type: "evals", hash, rows: evals.all(id) as [number, string, number, number | null, number][] });
      // Absolute paths: a bundle is read by another store, whose directory relative paths would be taken against.
      const arts = (artifacts.all(id) as Row[]).map((a) => ({
        ...a,
        path: resolveArtifactPath(store.file, a.path as string, a.sha256 as string | null, a.bytes as number | null),
      }));
      if (arts.length) write({ type: "artifacts", hash, rows: arts });
    }
    write({ type: "end", lines: written });
  });
  return { runs: ids.length, sweeps };
}

export interface ImportResult {
  inserted: number;
  replaced: number;
  kept: number;
  sweeps: number;
}

export interface ImportOptions {
  /** Also import the bundle's sweeps and link runs to them (a Slurm shard's one-run sweep is left out). */
  sweeps?: boolean;
}

/** What one import has seen so far: the columns this store has, and the ids the bundle's lines map to here. */
interface ImportState {
  db: RunStore["db"];
  /** The importing store's file (checkpoint paths are recorded relative to its directory). */
  file: string;
  withSweeps: boolean;
  runCols: Set<string>;
  sweepCols: Set<string>;
  result: ImportResult;
  /** A bundle sweep's uid → its id here. */
  sweepId: Map<string, number>;
  /** A run line's hash → the run written here, or null when the store's own run was kept. */
  runId: Map<string, number | null>;
}

const columnsOf = (db: RunStore["db"], table: string) =>
  new Set((db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name));

/** A row's keys that this store has as columns (its own id is never taken from a bundle). */
const cols = (row: Row, allowed: Set<string>) => Object.keys(row).filter((k) => allowed.has(k) && k !== "id");

function importSweep(st: ImportState, line: Extract<Line, { type: "sweep" }>): void {
  if (!st.withSweeps) return;
  const c = cols(line.row, st.sweepCols);
  const r = st.db
    .prepare(`INSERT OR IGNORE INTO sweeps (${c.join(", ")}) VALUES (${c.map(() => "?").join(", ")})`)
    .run(...c.map((k) => line.row[k]));
  st.result.sweeps += r.changes;
  const got = st.db.prepare("SELECT id FROM sweeps WHERE uid = ?").get(line.row.uid) as { id: number };
  st.sweepId.set(line.row.uid as string, got.id);
}

/** A bundle's run row as this store holds it. */
function runRowHere(bundleRow: Row): Row {
  const row = { ...bundleRow };
  // A run that was running where it was exported is not running here.
  if (row.status === "running") row.status = "interrupted";
  // The identity is recomputed from the config: a bundle from an older nfx carries hashes of an older
  // identity rule (config/hash.ts), and a run marked as a repeat there is the run it repeats here.
  row.config_hash = configHash(JSON.parse(row.config_json as string) as RunConfig);
  row.duplicate_of = null;
  return row;
}

/** Inserts the run, replaces an unfinished one with a finished one, or keeps the store's; the id written, or null. */
function mergeRun(st: ImportState, row: Row, existing: { id: number; status: RunStatus } | undefined): number | null {
  const c = cols(row, st.runCols);
  if (!existing) {
    const r = st.db
      .prepare(`INSERT INTO runs (${c.join(", ")}) VALUES (${c.map(() => "?").join(", ")})`)
      .run(...c.map((k) => row[k]));
    st.result.inserted++;
    return Number(r.lastInsertRowid);
  }
  if (
    existing.status !== "running" &&
    !DONE_STATUSES.has(existing.status) &&
    DONE_STATUSES.has(row.status as RunStatus)
  ) {
    st.db
      .prepare(`UPDATE runs SET ${c.map((k) => `${k} = ?`).join(", ")} WHERE id = ?`)
      .run(...c.map((k) => row[k]), existing.id);
    for (const t of ["metrics", "evals", "artifacts"])
      st.db.prepare(`DELETE FROM ${t} WHERE run_id = ?`).run(existing.id);
    st.result.replaced++;
    return existing.id;
  }
  st.result.kept++;
  return null;
}

function importRun(st: ImportState, line: Extract<Line, { type: "run" }>): void {
  const row = runRowHere(line.row);
  const existing = st.db.prepare("SELECT id, status FROM runs WHERE config_hash = ?").get(row.config_hash) as
    | { id: number; status: RunStatus }
    | undefined;
  const id = mergeRun(st, row, existing);
  const linkTo = id ?? existing?.id ?? null;
  if (linkTo !== null) {
    for (const uid of line.sweeps) {
      const s = st.sweepId.get(uid);
      if (s !== undefined)
        st.db.prepare("INSERT OR IGNORE INTO sweep_runs (sweep_id, run_id) VALUES (?, ?)").run(s, linkTo);
    }
  }
  st.runId.set(line.row.config_hash as string, id);
}

/** A run's metrics, evals or artifacts, when the run was written here (not when the store's own was kept). */
function importRunRows(st: ImportState, line: Extract<Line, { type: "metrics" | "evals" | "artifacts" }>): void {
  const id = st.runId.get(line.hash);
  if (id === undefined || id === null) return;
  if (line.type === "metrics") {
    const ins = st.db.prepare("INSERT OR REPLACE INTO metrics (run_id, step, name, value) VALUES (?, ?, ?, ?)");
    for (const [step, name, value] of line.rows) ins.run(id, step, name, value);
  } else if (line.type === "evals") {
    const ins = st.db.prepare(
      "INSERT OR REPLACE INTO evals (run_id, step, split, top1, loss, n) VALUES (?, ?, ?, ?, ?, ?)",
    );
    for (const [step, split, top1, loss, n] of line.rows) ins.run(id, step, split, top1, loss, n);
  } else {
    const ins = st.db.prepare(
      `INSERT OR REPLACE INTO artifacts (run_id, kind, path, sha256, bytes, created_at, meta_json)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const a of line.rows) {
      // A checkpoint under this store's directory (a Slurm shard's, merged into its sweep's store) is recorded
      // relative to it, as the store's own are (checkpointRecords.ts).
      const at = a.kind === CHECKPOINT_KIND ? storedArtifactPath(st.file, a.path as string) : a.path;
      ins.run(id, a.kind, at, a.sha256, a.bytes, a.created_at, a.meta_json);
    }
  }
}

/**
 * Imports the bundle `file` (its lines as readBundle reads them, unless given: a caller that reads first can refuse
 * a bad bundle before it opens the store) in one transaction.
 * @throws readBundle's errors, before anything is written.
 */
export function importBundle(
  store: RunStore,
  file: string,
  opts: ImportOptions = {},
  lines: BundleLines = readBundle(file),
): ImportResult {
  const db = store.db;
  const runCols = columnsOf(db, "runs");
  const sweepCols = columnsOf(db, "sweeps");
  // Counted inside the transaction: an attempt that waited for a busy store and was rolled back starts over.
  return store.write(`importing ${file}`, () => {
    const st: ImportState = {
      db,
      file: store.file,
      withSweeps: opts.sweeps !== false,
      runCols,
      sweepCols,
      result: { inserted: 0, replaced: 0, kept: 0, sweeps: 0 },
      sweepId: new Map(),
      runId: new Map(),
    };
    for (const line of lines) {
      if (line.type === "sweep") importSweep(st, line);
      else if (line.type === "run") importRun(st, line);
      else if (line.type === "metrics" || line.type === "evals" || line.type === "artifacts") importRunRows(st, line);
    }
    return st.result;
  });
}

/**
 * `nfx import`: the bundle `file` into the store `db`, refused whole before the store is opened when either is bad
 * (a `db` that is no SQLite file, a bundle readBundle refuses); a store this call creates is removed again if the
 * import fails, so that a failed import leaves nothing behind.
 * @throws readBundle's errors, the store's (RunStore.open), and SQLite's.
 */
export function importBundleFile(db: string, file: string, opts: ImportOptions = {}): ImportResult {
  assertSqliteOrAbsent(db);
  const lines = readBundle(file);
  const created = db !== ":memory:" && !fs.existsSync(db);
  try {
    const store = RunStore.open(db);
    try {
      return importBundle(store, file, opts, lines);
    } finally {
      store.close();
    }
  } catch (err) {
    if (created) for (const f of [db, `${db}-wal`, `${db}-shm`]) fs.rmSync(f, { force: true });
    throw err;
  }
}
