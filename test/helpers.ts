// Shared test helpers.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PNG } from "pngjs";
import { nativeFiles } from "../src/core/engine/native/nativeStatus.js";

/**
 * A fresh temporary directory, removed when the process exits. A daemon a test stopped (slurmctld) may still be
 * writing into it then: removal is retried, and a directory left in /tmp does not fail the tests that passed.
 */
export function tempDir(prefix = "nfx-test-"): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  process.on("exit", () => {
    try {
      fs.rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
    } catch (err) {
      process.stderr.write(`could not remove ${dir}: ${(err as Error).message}\n`);
    }
  });
  return dir;
}

export function writeFile(dir: string, name: string, content: string): string {
  const file = path.join(dir, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  return file;
}

/** A class-per-directory image folder (classes a, b; six 8×8 PNGs each) under `dir` whose one extra file is not an
 * image: every run on it fails while training. Returns the folder. */
export function corruptImageFolder(dir: string): string {
  const root = path.join(dir, "if");
  for (const c of ["a", "b"]) {
    fs.mkdirSync(path.join(root, c), { recursive: true });
    for (let i = 0; i < 6; i++) {
      const img = new PNG({ width: 8, height: 8 });
      img.data.fill(c === "a" ? 0 : 255);
      fs.writeFileSync(path.join(root, c, `${i}.png`), PNG.sync.write(img));
    }
  }
  fs.writeFileSync(path.join(root, "b", "bad.png"), "not a png");
  return root;
}

/**
 * The native TensorFlow backend (tfjs-node, `nfx native install`) when its files are complete, else the reason the
 * native tests skip. CI installs it (.ci/run), so there they run; on a fresh `npm install` without it they skip
 * with this reason.
 */
export function nativeSkipReason(): string | false {
  try {
    const files = nativeFiles("cpu");
    return files.problems.length === 0
      ? false
      : `native backend not installed (${files.problems.join("; ")}): run \`npx nfx native install\``;
  } catch (err) {
    return `native backend not installed: ${(err as Error).message}`;
  }
}

/**
 * The backend of the backend-parametrised tests (training, accumulation, divergence, e2e sweeps): $NFX_TEST_BACKEND
 * (wasm by default; tensorflow runs them on the native backend, as CI does a second time).
 */
export function testBackend(): "wasm" | "tensorflow" | "cpu" {
  const b = process.env.NFX_TEST_BACKEND ?? "wasm";
  if (b !== "wasm" && b !== "tensorflow" && b !== "cpu") {
    throw new Error(`NFX_TEST_BACKEND=${b}: expected wasm, tensorflow or cpu`);
  }
  return b;
}
