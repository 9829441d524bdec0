// `nfx query "SQL"`: ad-hoc SQL on a connection that cannot write. Two locks: the file is opened read-only (and
// with query_only), and a statement that SQLite itself does not classify as read-only is refused before it runs,
// with a message that says so rather than an SQLite error.
import type Database from "better-sqlite3";
import { openReadonly, retryBusy, StoreBusyError, storeWait } from "./connection.js";
import { RunStore } from "./runStore.js";

export interface QueryResult {
  columns: string[];
  rows: Record<string, unknown>[];
}

const READ_STATEMENT = /^\s*(select|with|explain|pragma|values)\b/i;

export class WriteRefusedError extends Error {
  constructor(sql: string) {
    const first = sql.trim().split(/\s+/)[0] ?? "";
    super(
      `nfx query is read-only: refusing '${first}' (only SELECT, WITH, EXPLAIN, VALUES and reading PRAGMAs run; ` +
        "use nfx runs rm / nfx import to change the store)",
    );
    this.name = "WriteRefusedError";
  }
}

/**
 * Runs one read-only statement on the store `file` (opened as openReadonly does: also in a directory this process
 * cannot write), waiting while another process holds it. Throws WriteRefusedError for anything that could write,
 * "no such store" for a missing file, and `SQL: …` for SQL that does not compile.
 */
export function readonlyQuery(file: string, sql: string, params: unknown[] = []): QueryResult {
  if (!READ_STATEMENT.test(sql) || /^\s*pragma\b[^;]*=/i.test(sql)) throw new WriteRefusedError(sql);
  const wait = storeWait();
  let db = openReadonly(file, wait);
  const tables = db.prepare("SELECT count(*) AS n FROM sqlite_master").get() as { n: number };
  if (tables.n === 0) {
    // A database without tables (a zero-byte file) is an empty store, as for every reading command.
    db.close();
    db = RunStore.open(file, { readonly: true }).db;
  }
  try {
    db.pragma("query_only = ON");
    let stmt: Database.Statement;
    try {
      stmt = retryBusy(file, wait, "reading it", () => db.prepare(sql));
    } catch (err) {
      if (err instanceof StoreBusyError) throw err;
      throw new Error(`SQL: ${(err as Error).message}`);
    }
    if (!stmt.readonly) throw new WriteRefusedError(sql);
    if (!stmt.reader) {
      retryBusy(file, wait, "reading it", () => stmt.run(...params));
      return { columns: [], rows: [] };
    }
    const columns = stmt.columns().map((c) => c.name);
    return {
      columns,
      rows: retryBusy(file, wait, "reading it", () => stmt.all(...params)) as Record<string, unknown>[],
    };
  } finally {
    db.close();
  }
}
