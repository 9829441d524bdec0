// Where an artifact recorded in a store is on disk, when the store (with the files beside it) may have moved.
// A run's checkpoints live beside the store (`checkpoints/<store file name>/<hash>/`, sweep/resume.ts), so their
// rows hold paths relative to the store file's directory: a store moved or copied with its directory (`mv`, rsync,
// another mount point) still finds them. Rows written before this, and files recorded outside the store's
// directory, hold absolute paths; one whose file is gone is looked for under the store's directory by the tail of
// its old path, and taken only when its size and SHA-256 are the recorded ones (a file of the same name that is
// another file is not the artifact).
import fs from "node:fs";
import path from "node:path";
import { fileFault } from "../base/files.js";

/** The directory stored artifact paths are relative to: the store file's; null for an in-memory store. */
function storeDir(storeFile: string): string | null {
  return storeFile === ":memory:" ? null : path.dirname(path.resolve(storeFile));
}

/**
 * The path to record for `file` in the store `storeFile`: relative to the store's directory (with `/`
 * separators) when the file lies under it, else absolute.
 */
export function storedArtifactPath(storeFile: string, file: string): string {
  const abs = path.resolve(file);
  const dir = storeDir(storeFile);
  if (dir === null) return abs;
  const rel = path.relative(dir, abs);
  if (rel === "" || rel.startsWith("..") || path.isAbsolute(rel)) return abs;
  return rel.split(path.sep).join("/");
}

/**
 * The absolute path of a recorded artifact: a relative row resolved against the store's directory; an absolute
 * row as it is while its file exists, else the first existing file under the store's directory that ends with the
 * longest tail of the old path (`<old store dir>/checkpoints/x.db/<hash>/final.safetensors` → the store's
 * `checkpoints/x.db/<hash>/final.safetensors`, then shorter tails) whose size and SHA-256 are the recorded ones.
 * When none is, the old path (callers report it missing).
 */
export function resolveArtifactPath(
  storeFile: string,
  stored: string,
  sha256: string | null,
  bytes: number | null,
): string {
  const dir = storeDir(storeFile);
  if (!path.isAbsolute(stored)) return path.resolve(dir ?? ".", stored);
  if (dir === null || fs.existsSync(stored)) return stored;
  // Without a recorded size or hash a file found by name cannot be told to be the artifact.
  if (sha256 === null && bytes === null) return stored;
  const parts = stored.split(/[\\/]+/).filter(Boolean);
  for (let i = 1; i < parts.length; i++) {
    const candidate = path.join(dir, ...parts.slice(i));
    if (fs.existsSync(candidate) && fileFault(candidate, sha256, bytes) === null) return candidate;
  }
  return stored;
}
