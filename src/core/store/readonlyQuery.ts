// `nfx query "SQL"`: ad-hoc SQL on a connection that cannot write. Two locks: the file is opened read-only (and
// with query_only), and a statement that SQLite itself does not classify as read-only is refused before it runs,
// with a message that says so rather than an SQLite error. Comments (`-- …` lines, `/* … */`) may come before the
// statement, as in a saved .sql file: the keyword checks read the statement after them.
import type Database from "better-sqlite3";
import { openReadonly, retryBusy, StoreBusyError, storeWait } from "./connection.js";
import { RunStore } from "./runStore.js";

export interface QueryResult {
  columns: string[];
  rows: Record<string, unknown>[];
}

const READ_STATEMENT = /^(select|with|explain|pragma|values)\b/i;

/**
 * `sql` from its first keyword on: leading white space, `-- …` line comments and `/* … *\/` block comments (SQLite's
 * two comment forms) dropped. An unterminated block comment leaves "" (SQLite reads it as an empty statement).
 */
export function statementText(sql: string): string {
  let s = sql;
  for (;;) {
    s = s.trimStart();
    if (s.startsWith("--")) {
      const eol = s.indexOf("\n");
      s = eol === -1 ? "" : s.slice(eol + 1);
    } else if (s.startsWith("/*")) {
      const end = s.indexOf("*/", 2);
      s = end === -1 ? "" : s.slice(end + 2);
    } else return s;
  }
}

export class WriteRefusedError extends Error {
  constructor(sql: string) {
    const first = statementText(sql).split(/\s+/)[0] || "(no statement)";
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
  const statement = statementText(sql);
  if (!READ_STATEMENT.test(statement) || /^pragma\b[^;]*=/i.test(statement)) throw new WriteRefusedError(sql);
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
