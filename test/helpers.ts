// Shared test helpers.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

/** A fresh temporary directory, removed when the process exits. */
export function tempDir(prefix = "nfx-test-"): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  process.on("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function writeFile(dir: string, name: string, content: string): string {
  const file = path.join(dir, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  return file;
}
