// Shared test helpers.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PNG } from "pngjs";

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
