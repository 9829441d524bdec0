// Shared test helpers.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

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
