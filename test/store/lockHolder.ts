// Another process on the same store: a real second SQLite connection that holds the write lock, or that dies
// (kill -9) in the middle of its work, leaving the store's write-ahead log behind.
import { spawn } from "node:child_process";
import path from "node:path";

const sqlite = path.resolve(import.meta.dirname, "../../node_modules/better-sqlite3");

/**
 * Starts a process that takes the write lock with BEGIN IMMEDIATE, holds it for `holdMs` and commits. Resolves
 * once the lock is held; `released` resolves when the process has exited, with the time (Date.now(), ms) just
 * before its COMMIT: a write that waited for the lock ends after it, whatever the load on the machine.
 */
export async function holdWriteLock(db: string, holdMs: number): Promise<{ released: Promise<number> }> {
  const script = `
    const Database = require(${JSON.stringify(sqlite)});
    const db = new Database(${JSON.stringify(db)}, { timeout: 30000 });
    db.exec("BEGIN IMMEDIATE");
    process.stdout.write("locked\\n");
    setTimeout(() => { process.stdout.write("commit " + Date.now() + "\\n"); db.exec("COMMIT"); db.close(); }, ${holdMs});
  `;
  const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout.on("data", (d) => {
    out += String(d);
  });
  const released = new Promise<number>((resolve, reject) =>
    child.on("exit", () => {
      const at = /commit (\d+)/.exec(out);
      if (at) resolve(Number(at[1]));
      else reject(new Error("lock holder exited without committing"));
    }),
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout.on("data", () => out.includes("locked") && resolve());
    child.on("exit", (code) => reject(new Error(`lock holder exited (${code}) before locking`)));
  });
  return { released };
}

/** Runs `sql` on the store in a process that is then killed (-9) before it closes: the -wal and -shm stay. */
export async function writeThenDie(db: string, sql: string): Promise<void> {
  const script = `
    const Database = require(${JSON.stringify(sqlite)});
    const db = new Database(${JSON.stringify(db)});
    db.pragma("wal_autocheckpoint = 0");
    db.exec(${JSON.stringify(sql)});
    process.kill(process.pid, "SIGKILL");
  `;
  const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "ignore", "inherit"] });
  await new Promise<void>((resolve) => child.on("exit", () => resolve()));
}
