// A lossless bundle of runs: JSON lines holding every column of the runs (with their metrics, evals and
// artifacts) and the sweeps that asked for them. `importBundle` merges one into another store by config hash,
// idempotently: a run the target already finished is kept, a finished run replaces an unfinished one, and a
// second import of the same bundle changes nothing.
import fs from "node:fs";
import { writeAll, writeFileAtomic } from "../base/files.js";
import { configHash } from "../config/hash.js";
import type { RunConfig } from "../config/schema.js";
import { DONE_STATUSES, type RunStatus, RunStore, type StoredRun } from "./runStore.js";
import { SCHEMA_VERSION } from "./schema.js";
import { assertSqliteOrAbsent } from "./sqliteFile.js";

export const BUNDLE_FORMAT = "nfx-bundle";

type Row = Record<string, unknown>;

type Line =
  | { type: "header"; format: string; version: number; schema_version: number; exported_at: string; runs: number }
  | { type: "sweep"; row: Row }
  | { type: "run"; row: Row; sweeps: string[] }
  | { type: "metrics"; hash: string; rows: [number, string, number | null][] }
  | { type: "evals"; hash: string; rows: [number, string, number, number | null, number][] }
  | { type: "artifacts"; hash: string; rows: Row[] }
  /** The last line (bundle version ≥ 2): the number of lines before it, so that a cut anywhere is seen. */
  | { type: "end"; lines: number };

/** Version 2 ends with an `end` line; version 1 bundles (without it) are still read. */
const BUNDLE_VERSION = 2;

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
      const arts = artifacts.all(id) as Row[];
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

/** The lines of a bundle file, read and checked whole (see readBundle). */
export type BundleLines = readonly Line[];

function readText(file: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new Error(`${file}: no such bundle file`);
    if (code === "EISDIR") throw new Error(`${file}: is a directory, not a bundle file`);
    if (code === "EACCES" || code === "EPERM") throw new Error(`${file}: cannot read the bundle (permission denied)`);
    throw new Error(`${file}: cannot read the bundle (${code ?? (err as Error).message})`);
  }
}

const isObject = (v: unknown): v is Row => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Reads a bundle file and checks that it is whole before anything is imported: the header first, every line valid
 * JSON of a known type, each run followed by its metrics and evals lines (exportBundle writes both, even empty),
 * the header's run count reached, and the file ending with a newline (not cut mid-line). A truncated or malformed
 * bundle is refused whole.
 * @throws Error, one line `file:line: what is wrong or missing` (`file: …` for a file that cannot be read).
 */
export function readBundle(file: string): BundleLines {
  const text = readText(file);
  const raw = text.split("\n");
  const parsed: Line[] = [];
  const lineNo: number[] = [];
  raw.forEach((l, i) => {
    if (!l.trim()) return;
    try {
      parsed.push(JSON.parse(l) as Line);
    } catch {
      throw new Error(
        `${file}:${i + 1}: not an nfx bundle line (invalid JSON${i === raw.length - 1 ? "; the file is cut off" : ""})`,
      );
    }
    lineNo.push(i + 1);
  });
  const head = parsed[0];
  if (!isObject(head) || head.type !== "header" || head.format !== BUNDLE_FORMAT) {
    throw new Error(`${file}: not an nfx bundle (export one with \`nfx export --format bundle\`)`);
  }
  if (head.schema_version > SCHEMA_VERSION) {
    throw new Error(`${file}: bundle from a newer store schema (v${head.schema_version} > v${SCHEMA_VERSION})`);
  }
  const end = raw.length; // the line after the last one: where a missing line would be
  /** Runs whose metrics or evals line is still to come, by the line hash, with the run's line number. */
  let open: { hash: string; line: number; missing: Set<string> } | null = null;
  const close = (at: number) => {
    if (open?.missing.size) {
      const what = [...open.missing].join(" and ");
      throw new Error(
        `${file}:${at}: incomplete bundle: run ${open.hash} (line ${open.line}) has no ${what} line (truncated?)`,
      );
    }
    open = null;
  };
  let runs = 0;
  let ended = false;
  for (let k = 1; k < parsed.length; k++) {
    const line = parsed[k] as Line;
    const at = lineNo[k] as number;
    const type = isObject(line) ? line.type : undefined;
    if (ended) throw new Error(`${file}:${at}: a line after the bundle's end line`);
    if (type === "end") {
      const n = (line as { lines?: unknown }).lines;
      if (n !== k)
        throw new Error(`${file}:${at}: the end line counts ${String(n)} lines before it, the file has ${k}`);
      ended = true;
    } else if (type === "sweep") {
      if (!isObject((line as { row?: unknown }).row)) throw new Error(`${file}:${at}: malformed sweep line`);
    } else if (type === "run") {
      close(at);
      const l = line as { row?: unknown; sweeps?: unknown };
      if (
        !isObject(l.row) ||
        typeof l.row.config_hash !== "string" ||
        typeof l.row.config_json !== "string" ||
        !Array.isArray(l.sweeps)
      ) {
        throw new Error(`${file}:${at}: malformed run line (no row with config_hash and config_json)`);
      }
      runs++;
      open = { hash: l.row.config_hash, line: at, missing: new Set(["metrics", "evals"]) };
    } else if (type === "metrics" || type === "evals" || type === "artifacts") {
      const l = line as { hash?: unknown; rows?: unknown };
      if (typeof l.hash !== "string" || !Array.isArray(l.rows))
        throw new Error(`${file}:${at}: malformed ${type} line`);
      if (open === null || open.hash !== l.hash) {
        throw new Error(`${file}:${at}: ${type} line for run ${l.hash}, which is not the run before it`);
      }
      (open as { missing: Set<string> }).missing.delete(type);
    } else {
      throw new Error(`${file}:${at}: not an nfx bundle line (type ${JSON.stringify(type ?? null)})`);
    }
  }
  close(end);
  if (runs !== head.runs) {
    throw new Error(
      `${file}:${end}: incomplete bundle: the header (line 1) announces ${head.runs} runs, the file holds ${runs} (truncated?)`,
    );
  }
  if (!ended && (head.version ?? 1) >= 2) {
    throw new Error(`${file}:${end}: incomplete bundle: no end line (truncated?)`);
  }
  if (!text.endsWith("\n")) throw new Error(`${file}:${raw.length}: incomplete bundle: the last line is cut off`);
  return ended ? parsed.slice(0, -1) : parsed;
}

export interface ImportOptions {
  /** Also import the bundle's sweeps and link runs to them (a Slurm shard's one-run sweep is left out). */
  sweeps?: boolean;
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
  const withSweeps = opts.sweeps !== false;
  const db = store.db;
  const runCols = new Set((db.prepare("PRAGMA table_info(runs)").all() as { name: string }[]).map((c) => c.name));
  const sweepCols = new Set((db.prepare("PRAGMA table_info(sweeps)").all() as { name: string }[]).map((c) => c.name));
  // Counted inside the transaction: an attempt that waited for a busy store and was rolled back starts over.
  return store.write(`importing ${file}`, () => {
    const result: ImportResult = { inserted: 0, replaced: 0, kept: 0, sweeps: 0 };
    const sweepId = new Map<string, number>();
    const runId = new Map<string, number | null>();
    const cols = (row: Row, allowed: Set<string>) => Object.keys(row).filter((k) => allowed.has(k) && k !== "id");
    for (const line of lines) {
      if (line.type === "sweep") {
        if (!withSweeps) continue;
        const c = cols(line.row, sweepCols);
        const r = db
          .prepare(`INSERT OR IGNORE INTO sweeps (${c.join(", ")}) VALUES (${c.map(() => "?").join(", ")})`)
          .run(...c.map((k) => line.row[k]));
        result.sweeps += r.changes;
        const got = db.prepare("SELECT id FROM sweeps WHERE uid = ?").get(line.row.uid) as { id: number };
        sweepId.set(line.row.uid as string, got.id);
      } else if (line.type === "run") {
        const row = { ...line.row };
        // A run that was running where it was exported is not running here.
        if (row.status === "running") row.status = "interrupted";
        // The identity is recomputed from the config: a bundle from an older nfx carries hashes of an older
        // identity rule (config/hash.ts), and a run marked as a repeat there is the run it repeats here.
        const lineHash = row.config_hash as string;
        const hash = configHash(JSON.parse(row.config_json as string) as RunConfig);
        row.config_hash = hash;
        row.duplicate_of = null;
        const existing = db.prepare("SELECT id, status FROM runs WHERE config_hash = ?").get(hash) as
          | { id: number; status: RunStatus }
          | undefined;
        const c = cols(row, runCols);
        let id: number | null = null;
        if (!existing) {
          const r = db
            .prepare(`INSERT INTO runs (${c.join(", ")}) VALUES (${c.map(() => "?").join(", ")})`)
            .run(...c.map((k) => row[k]));
          id = Number(r.lastInsertRowid);
          result.inserted++;
        } else if (
          existing.status !== "running" &&
          !DONE_STATUSES.has(existing.status) &&
          DONE_STATUSES.has(row.status as RunStatus)
        ) {
          db.prepare(`UPDATE runs SET ${c.map((k) => `${k} = ?`).join(", ")} WHERE id = ?`).run(
            ...c.map((k) => row[k]),
            existing.id,
          );
          for (const t of ["metrics", "evals", "artifacts"])
            db.prepare(`DELETE FROM ${t} WHERE run_id = ?`).run(existing.id);
          id = existing.id;
          result.replaced++;
        } else {
          result.kept++;
        }
        const linkTo = id ?? existing?.id ?? null;
        if (linkTo !== null) {
          for (const uid of line.sweeps) {
            const s = sweepId.get(uid);
            if (s !== undefined)
              db.prepare("INSERT OR IGNORE INTO sweep_runs (sweep_id, run_id) VALUES (?, ?)").run(s, linkTo);
          }
        }
        runId.set(lineHash, id);
      } else if (line.type === "metrics" || line.type === "evals" || line.type === "artifacts") {
        const id = runId.get(line.hash);
        if (id === undefined || id === null) continue;
        if (line.type === "metrics") {
          const ins = db.prepare("INSERT OR REPLACE INTO metrics (run_id, step, name, value) VALUES (?, ?, ?, ?)");
          for (const [step, name, value] of line.rows) ins.run(id, step, name, value);
        } else if (line.type === "evals") {
          const ins = db.prepare(
            "INSERT OR REPLACE INTO evals (run_id, step, split, top1, loss, n) VALUES (?, ?, ?, ?, ?, ?)",
          );
          for (const [step, split, top1, loss, n] of line.rows) ins.run(id, step, split, top1, loss, n);
        } else {
          const ins = db.prepare(
            `INSERT OR REPLACE INTO artifacts (run_id, kind, path, sha256, bytes, created_at, meta_json)
             VALUES (?, ?, ?, ?, ?, ?, ?)`,
          );
          for (const a of line.rows) ins.run(id, a.kind, a.path, a.sha256, a.bytes, a.created_at, a.meta_json);
        }
      }
    }
    return result;
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
