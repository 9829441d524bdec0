// Refusing files that are not SQLite databases before SQLite (which would happily overwrite an empty journal, or
// fail late) ever opens them: a mistyped --db must never damage someone's file.
import fs from "node:fs";

const SQLITE_MAGIC = "SQLite format 3\0";

/** Throws, leaving the file untouched, when `file` exists and is not an SQLite database. */
export function assertSqliteOrAbsent(file: string): void {
  if (file === ":memory:" || !fs.existsSync(file)) return;
  const st = fs.statSync(file);
  if (!st.isFile()) throw new Error(`${file}: not a file`);
  if (st.size === 0) return;
  const fd = fs.openSync(file, "r");
  try {
    const buf = Buffer.alloc(16);
    fs.readSync(fd, buf, 0, 16, 0);
    if (buf.toString("latin1") !== SQLITE_MAGIC) {
      throw new Error(`${file}: not an SQLite database (refusing to touch it)`);
    }
  } finally {
    fs.closeSync(fd);
  }
}
