// Helpers for the dashboard's tests: a store from the quick start (a tiny sweep run by the built CLI, as the
// end-to-end tests make theirs), `nfx ui` in the background with its start document, and a file's hash.
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { sha256File } from "../../src/core/base/files.js";
import { bin, nfx, tinySweep } from "../e2e/sweepHelpers.js";
import { tempDir, testBackend } from "../helpers.js";

/** A directory holding `quick.db`: 2 λ × 2 seeds of 3 steps on 8×8 synthetic images (a few seconds). */
export function quickStore(): { dir: string; db: string } {
  const dir = tempDir("nfx-ui-");
  fs.writeFileSync(path.join(dir, "tiny.yaml"), tinySweep({ steps: 3, lambdas: [0.01, null], seeds: 2 }));
  const res = nfx(
    ["sweep", "tiny.yaml", "--db", "quick.db", "--backend", testBackend(), "--quiet", "--jobs", "1"],
    dir,
  );
  if (res.status !== 0) throw new Error(`quick-start sweep failed: ${res.stderr}`);
  return { dir, db: path.join(dir, "quick.db") };
}

/**
 * The store's bytes, with its write-ahead log's (what a reader must never change). An absent log reads as an empty
 * one: SQLite's reader creates the empty -wal (and -shm, its lock index) of a WAL store it opens, holding no data.
 */
export function storeHash(db: string): string {
  const wal = `${db}-wal`;
  return `${sha256File(db)} ${fs.existsSync(wal) && fs.statSync(wal).size > 0 ? sha256File(wal) : "empty log"}`;
}

export interface UiProcess {
  started: { url: string; host: string; port: number; token: string | null };
  /** ms from spawn to the start document. */
  startMs: number;
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; ms: number; stdout: string; stderr: string }>;
}

/** Runs `nfx ui ARGS --json --port 0` and resolves once it prints where it listens. */
export function startUi(args: string[], cwd: string, prefix: string[] = []): Promise<UiProcess> {
  const argv = [...prefix, process.execPath, bin, "ui", "--json", "--port", "0", ...args];
  const t0 = Date.now();
  const child = spawn(argv[0] as string, argv.slice(1), { cwd, env: { ...process.env, NFX_DB: "" } });
  let out = "";
  let err = "";
  const closed = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    child.stderr.on("data", (d) => {
      err += String(d);
    });
    child.stdout.on("data", (d) => {
      out += String(d);
      if (!out.includes("\n")) return;
      const startMs = Date.now() - t0;
      let started: UiProcess["started"];
      try {
        started = JSON.parse(out.split("\n")[0] as string);
      } catch {
        child.kill();
        reject(new Error(`nfx ui --json: its first line is not one JSON document: ${out}`));
        return;
      }
      resolve({
        started,
        startMs,
        stop: async (signal = "SIGINT") => {
          const t1 = Date.now();
          child.kill(signal);
          const code = await closed;
          return { code, ms: Date.now() - t1, stdout: out, stderr: err };
        },
      });
    });
    void closed.then((code) => reject(new Error(`nfx ui exited ${code} before listening: ${err}`)));
  });
}
