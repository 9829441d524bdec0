// Opening the store and living with other processes that use it: every write waits for a busy store (SQLite's
// busy handler per attempt, then this module's retry with backoff, bounded), and a store that this process cannot
// write (a read-only directory, an archive) is still read.
//
// Why a retry on top of SQLite's busy_timeout: the busy handler is not invoked in every case — a transaction that
// read before it writes gets SQLITE_BUSY at once when another connection holds the write lock, a commit in
// rollback-journal mode may be refused while readers hold the file — and a lock held longer than busy_timeout
// (a `sqlite3` shell left in `BEGIN IMMEDIATE`) must not kill a sweep. Write transactions are BEGIN IMMEDIATE, so
// they take the write lock before they read, and a failed attempt is rolled back whole before it is retried:
// nothing is lost or half-written.
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { assertSqliteOrAbsent } from "./sqliteFile.js";

/** How long a store operation waits for a store that another process holds. */
export interface StoreWait {
  /** Total wait before giving up with StoreBusyError, ms. */
  totalMs: number;
  /** SQLite's own busy_timeout per attempt, ms (≤ totalMs). */
  attemptMs: number;
}

/** Default total wait for a busy store, seconds (overridable with NFX_STORE_WAIT_S). */
export const DEFAULT_STORE_WAIT_S = 300;

/**
 * The wait for a busy store: NFX_STORE_WAIT_S seconds in all (fractions allowed; default 300), each attempt
 * waiting inside SQLite for at most 5 s (or a quarter of the total when that is shorter).
 * Throws on a value that is not a positive number, naming the variable.
 */
export function storeWait(env: NodeJS.ProcessEnv = process.env): StoreWait {
  const raw = env.NFX_STORE_WAIT_S?.trim();
  const seconds = raw ? Number(raw) : DEFAULT_STORE_WAIT_S;
  if (!Number.isFinite(seconds) || seconds <= 0)
    throw new Error(`NFX_STORE_WAIT_S: must be a positive number of seconds (got '${raw}')`);
  const totalMs = Math.round(seconds * 1000);
  return { totalMs, attemptMs: Math.max(1, Math.min(5000, Math.round(totalMs / 4))) };
}

/** A store operation gave up after waiting StoreWait.totalMs for another process's lock. */
export class StoreBusyError extends Error {
  constructor(file: string, what: string, waitedMs: number) {
    super(
      `${file}: the store stayed locked by another process for ${(waitedMs / 1000).toFixed(1)} s while ${what}; ` +
        "nothing of it was written. Close the program holding it (a `sqlite3` shell inside a transaction?) " +
        "and run the command again, or wait longer with NFX_STORE_WAIT_S",
    );
    this.name = "StoreBusyError";
  }
}

/** Whether an error is SQLite saying another connection holds a lock (SQLITE_BUSY*, SQLITE_LOCKED*). */
export function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED"));
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Blocks this thread for `ms` (better-sqlite3 is synchronous, and so is waiting for it). */
export function sleepSync(ms: number): void {
  if (ms > 0) Atomics.wait(sleeper, 0, 0, ms);
}

/**
 * Runs `fn` until it does not fail with a busy/locked store: between attempts it sleeps with exponential backoff
 * (25 ms doubling to `attemptMs`, ±50% jitter); after `wait.totalMs` in all it throws StoreBusyError naming
 * `file` and `what`. `fn` must be safe to repeat: one autocommit statement, a read, or a whole transaction (which
 * SQLite rolled back when it failed). Other errors pass through at once.
 */
export function retryBusy<T>(file: string, wait: StoreWait, what: string, fn: () => T): T {
  const t0 = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      return fn();
    } catch (err) {
      if (!isBusy(err)) throw err;
      const waited = Date.now() - t0;
      if (waited >= wait.totalMs) throw new StoreBusyError(file, what, waited);
      const backoff = Math.min(wait.attemptMs, 25 * 2 ** Math.min(attempt, 16));
      sleepSync(Math.min(wait.totalMs - waited, backoff * (0.5 + Math.random())));
    }
  }
}

/** An open store as the store's functions use it (RunStore is one). */
export interface StoreConn {
  readonly db: Database.Database;
  readonly file: string;
  /** Runs `fn` as one BEGIN IMMEDIATE transaction, retried whole while the store is busy; `what` names it. */
  write<T>(what: string, fn: () => T): T;
  /** Runs a read, retried while the store is busy. */
  read<T>(fn: () => T): T;
}

export interface WritableOptions {
  /** Rollback journal instead of WAL (a Slurm shard on a network filesystem, where WAL's shared memory fails). */
  shard?: boolean;
  /** Refuse to create the store: it must exist (commands that change a store the user names, e.g. runs rm). */
  mustExist?: boolean;
  wait: StoreWait;
}

/** Whether this process may write `file` (a store, or the directory its side files go in). */
export function canWrite(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Opens (creating it and its directory unless mustExist) a store for writing; journal, timeouts and pragmas set.
 * Throws "no such store" (mustExist), "not an SQLite database", one line when the file or its directory is not
 * writable for this process, and StoreBusyError when another process holds it past `opts.wait`.
 */
export function openWritable(file: string, opts: WritableOptions): Database.Database {
  assertSqliteOrAbsent(file);
  if (opts.mustExist && file !== ":memory:" && !fs.existsSync(file)) throw noSuchStore(file);
  if (file !== ":memory:") {
    const dir = path.dirname(path.resolve(file));
    fs.mkdirSync(dir, { recursive: true });
    // SQLite writes beside the store (-wal, -shm, -journal): both the file and its directory must be writable.
    const denied = [fs.existsSync(file) ? file : null, dir].find((f) => f !== null && !canWrite(f));
    if (denied) {
      throw new Error(
        `${file}: cannot write the store: ${denied === file ? "the file" : denied} is not writable for this user ` +
          "(reading commands still read it; copy it somewhere writable to change it)",
      );
    }
  }
  const db = new Database(file, { timeout: opts.wait.attemptMs });
  try {
    retryBusy(file, opts.wait, "opening it", () => {
      db.pragma(opts.shard ? "journal_mode = DELETE" : "journal_mode = WAL");
    });
    db.pragma("foreign_keys = ON");
    db.pragma("synchronous = NORMAL");
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/** The error every reading command gives for a store file that is not there. */
export function noSuchStore(file: string): Error {
  return new Error(`${file}: no such store (run a sweep first, or point --db / NFX_DB at one)`);
}

function readable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

function nonEmpty(file: string): boolean {
  try {
    return fs.statSync(file).size > 0;
  } catch {
    return false;
  }
}

/** Errors of a read-only open that come from not being allowed to create or write the store's side files. */
function cannotWriteBeside(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && (code.startsWith("SQLITE_READONLY") || code.startsWith("SQLITE_CANTOPEN"));
}

/**
 * Opens an existing store for reading only. A WAL store needs its shared-memory file (`-shm`) beside it; where
 * that cannot be created (a read-only directory, a store whose side files are gone) and no log holds unmerged
 * changes (`-wal` absent or empty, no hot `-journal`), the file is read into memory as a snapshot instead.
 * Throws "no such store" for a missing file, and one line saying why and what to do where the store cannot be
 * read: a write-ahead log (or hot journal) that needs recovery in a directory this process cannot write, or a
 * file it may not read.
 */
export function openReadonly(file: string, wait: StoreWait): Database.Database {
  assertSqliteOrAbsent(file);
  if (!fs.existsSync(file)) throw noSuchStore(file);
  try {
    fs.accessSync(file, fs.constants.R_OK);
  } catch {
    throw new Error(`${file}: cannot read the store (permission denied)`);
  }
  let db: Database.Database | null = null;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true, timeout: wait.attemptMs });
    const conn = db;
    retryBusy(file, wait, "reading it", () => conn.pragma("schema_version", { simple: true }));
    return db;
  } catch (err) {
    db?.close();
    if (!cannotWriteBeside(err)) throw err;
  }
  const dir = path.dirname(path.resolve(file));
  for (const side of [`${file}-wal`, `${file}-journal`]) {
    // A log this user may not read: that, not the directory, is what stops the read (the changes in it are part
    // of the store).
    if (nonEmpty(side) && !readable(side)) {
      throw new Error(
        `${file}: cannot read the store: ${path.basename(side)} is not readable for this user (permission denied), ` +
          `and the store's latest changes are in it. Ask the store's owner to make it readable ` +
          `(chmod a+r ${side}) or to run \`sqlite3 ${file} "PRAGMA wal_checkpoint(TRUNCATE)"\` (or to open it once ` +
          "with nfx)",
      );
    }
    if (nonEmpty(side)) {
      throw new Error(
        `${file}: cannot read the store: ${path.basename(side)} holds changes that must be merged first, and ` +
          `${dir} is not writable for this user. Ask the store's owner to run ` +
          `\`sqlite3 ${file} "PRAGMA wal_checkpoint(TRUNCATE)"\` (or to open it once with nfx), or copy the store ` +
          `together with ${path.basename(side)} to a writable directory and use --db there`,
      );
    }
  }
  // No log to merge: the main file is the whole store. Bytes 18-19 are its journal mode (2 = WAL); a snapshot in
  // memory has no shared memory, so it is read in rollback-journal mode (1).
  const image = fs.readFileSync(file);
  if (image.length >= 20) {
    image[18] = 1;
    image[19] = 1;
  }
  return new Database(image, { readonly: true });
}
