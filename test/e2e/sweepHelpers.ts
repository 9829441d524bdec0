// Helpers for end-to-end sweep tests: run the built CLI, watch its store from outside, wait for conditions.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";

export const root = path.resolve(import.meta.dirname, "../..");
export const bin = path.join(root, "bin/run.js");

export function nfx(args: string[], cwd: string, env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [bin, ...args], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, NFX_DB: "", ...env },
  });
}

export interface Running {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts the CLI in the background. */
export function nfxBackground(args: string[], cwd: string): Running {
  const child = spawn(process.execPath, [bin, ...args], { cwd, env: { ...process.env, NFX_DB: "" } });
  let out = "";
  let err = "";
  child.stdout?.on("data", (d) => {
    out += String(d);
  });
  child.stderr?.on("data", (d) => {
    err += String(d);
  });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("close", (code, signal) => resolve({ code, signal })),
  );
  return { child, stdout: () => out, stderr: () => err, done };
}

/** A small sweep on synthetic 8×8 images: each run a few hundred ms on the wasm backend. */
export function tinySweep(opts: { steps: number; lambdas?: (number | null)[]; seeds?: number } = { steps: 3 }): string {
  const lambdas = opts.lambdas ?? [0.01, null];
  return `name: tiny
model: { name: nf-resnet-micro }
data: { name: synthetic, train_size: 64, test_size: 32, image_size: 8 }
train: { steps: ${opts.steps}, batch_size: 8 }
optim: { lr: 0.2, warmup_epochs: 0 }
grid:
  agc.lambda: [${lambdas.map((l) => (l === null ? "null" : String(l))).join(", ")}]
seeds: ${opts.seeds ?? 2}
`;
}

/** Reads the store from outside (read-only), or null while it does not exist yet. */
export function peek<T>(db: string, sql: string, ...params: unknown[]): T[] {
  if (!fs.existsSync(db)) return [];
  const conn = new Database(db, { readonly: true, fileMustExist: true });
  try {
    conn.pragma("busy_timeout = 5000");
    return conn.prepare(sql).all(...params) as T[];
  } catch (err) {
    if (/no such table/.test(String(err))) return [];
    throw err;
  } finally {
    conn.close();
  }
}

export async function waitFor(what: string, check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const t0 = Date.now();
  while (!check()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export const sqlite3Shell = ["/usr/bin/sqlite3", "/usr/local/bin/sqlite3"].find((p) => fs.existsSync(p));

export function integrityFromOutside(db: string): string | null {
  if (!sqlite3Shell) return null;
  return spawnSync(sqlite3Shell, [db, "PRAGMA integrity_check"], { encoding: "utf8" }).stdout.trim();
}
