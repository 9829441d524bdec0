// The ground floor's file idioms, one home each: the atomic write every room uses for what a kill must not leave
// half-written (checkpoints, figures, bundles, caches, Slurm records), a file's SHA-256, and the check that a recorded
// file is still the one recorded. Nothing here knows a run, a model or a store.
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

/** What writeFileAtomic writes: the bytes or text, or a function that writes them to an open descriptor. */
export type FileContent = string | Uint8Array | ((fd: number) => void);

/**
 * Writes `content` to `file` atomically: to a temporary file beside it (`.<name>.<pid>.tmp`), fsync'd, renamed over
 * `file`, and the directory fsync'd — a process killed at any point leaves either the previous file or the complete
 * new one, never a part. Creates the directory when missing. A function `content` writes through the descriptor it is
 * given (for output written in pieces, such as a bundle's lines); the file is renamed only once it returns.
 * @throws Error on an I/O error or one thrown by `content` (the temporary file is removed, `file` is untouched).
 */
export function writeFileAtomic(file: string, content: FileContent): void {
  const dir = path.dirname(path.resolve(file));
  fs.mkdirSync(dir, { recursive: true });
  const tmp = tempSibling(file);
  let fd: number | null = null;
  try {
    fd = fs.openSync(tmp, "w");
    if (typeof content === "function") content(fd);
    else writeAll(fd, typeof content === "string" ? Buffer.from(content, "utf8") : content);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = null;
    fs.renameSync(tmp, file);
  } catch (err) {
    if (fd !== null) closeQuietly(fd);
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  syncDirectory(dir);
}

/**
 * The temporary path beside `target` that is renamed over it once whole (`.<name>.<pid>.tmp` in its directory): one
 * style for every file and directory nfx builds in place, so that a leftover is recognisable and never collides with
 * another process's.
 */
export function tempSibling(target: string): string {
  const abs = path.resolve(target);
  return path.join(path.dirname(abs), `.${path.basename(abs)}.${process.pid}.tmp`);
}

/** Writes every byte of `bytes` at the descriptor's position (fs.writeSync may write fewer than asked). */
export function writeAll(fd: number, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.length) done += fs.writeSync(fd, bytes, done, bytes.length - done);
}

function closeQuietly(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    // already closed
  }
}

// A rename is durable once its directory is synced (POSIX). Windows cannot open a directory, and its rename is
// atomic all the same, so a failure here is not an error.
function syncDirectory(dir: string): void {
  try {
    const dfd = fs.openSync(dir, "r");
    try {
      fs.fsyncSync(dfd);
    } finally {
      fs.closeSync(dfd);
    }
  } catch {
    // see above
  }
}

/** SHA-256 (lower-case hex) of bytes in memory. */
export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** SHA-256 (lower-case hex) of a file's bytes. @throws Error (the system's, with its code) when it cannot be read. */
export function sha256File(file: string): string {
  return sha256Hex(fs.readFileSync(file));
}

/**
 * Why a recorded file is no longer the one recorded — "missing", truncated or grown ("N bytes, M recorded"), or
 * changed ("its SHA-256 differs") — or null when it is whole. A null `sha256` or `bytes` skips that check.
 */
export function fileFault(file: string, sha256: string | null, bytes: number | null): string | null {
  let size: number;
  try {
    size = fs.statSync(file).size;
  } catch {
    return "missing";
  }
  if (bytes !== null && size !== bytes) return `${size} bytes, ${bytes} recorded (truncated or changed)`;
  if (sha256 !== null && sha256File(file) !== sha256) return "its SHA-256 differs from the recorded one";
  return null;
}
