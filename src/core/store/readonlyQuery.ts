// `nfx query "SQL"`: ad-hoc SQL on a connection that cannot write. Two locks: the file is opened read-only (and
// with query_only), and a statement that SQLite itself does not classify as read-only is refused before it runs,
// with a message that says so rather than an SQLite error.
import fs from "node:fs";
import Database from "better-sqlite3";
import { assertSqliteOrAbsent } from "./sqliteFile.js";

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

export function readonlyQuery(file: string, sql: string, params: unknown[] = []): QueryResult {
  assertSqliteOrAbsent(file);
  if (!fs.existsSync(file)) throw new Error(`${file}: no such store (run a sweep first)`);
  if (!READ_STATEMENT.test(sql) || /^\s*pragma\b[^;]*=/i.test(sql)) throw new WriteRefusedError(sql);
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    db.pragma("query_only = ON");
    let stmt: Database.Statement;
    try {
      stmt = db.prepare(sql);
    } catch (err) {
      throw new Error(`SQL: ${(err as Error).message}`);
    }
    if (!stmt.readonly) throw new WriteRefusedError(sql);
    if (!stmt.reader) {
      stmt.run(...params);
      return { columns: [], rows: [] };
    }
    const columns = stmt.columns().map((c) => c.name);
    return { columns, rows: stmt.all(...params) as Record<string, unknown>[] };
  } finally {
    db.close();
  }
}
