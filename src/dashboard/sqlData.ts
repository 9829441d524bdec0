// The SQL box's data: one statement on the store through `nfx query`'s read-only path (core/store/readonlyQuery:
// a read-only connection with query_only, and a statement SQLite does not call read-only refused before it runs).
import { readonlyQuery, WriteRefusedError } from "../core/store/readonlyQuery.js";
import { type ApiRequest, HttpError, param } from "./request.js";

/** The most rows one answer carries (the rest are counted, not sent). */
const MAX_ROWS = 5000;

/** GET /api/query?sql=…: columns and rows; 403 for a statement that could write, 400 for SQL that fails. */
export function sqlQuery(req: ApiRequest): unknown {
  const sql = param(req, "sql");
  if (sql === undefined) throw new HttpError(400, "sql: give one SELECT / WITH / EXPLAIN / PRAGMA statement");
  try {
    const res = readonlyQuery(req.db, sql);
    return { columns: res.columns, rows: res.rows.slice(0, MAX_ROWS), total: res.rows.length };
  } catch (err) {
    if (err instanceof WriteRefusedError) throw new HttpError(403, err.message);
    throw new HttpError(400, (err as Error).message);
  }
}
