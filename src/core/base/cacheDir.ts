// Where derived data is cached (the decoded datasets, the micro-batch calibration): one per-user cache, whatever
// directory nfx runs from, so that neither the 55 MB Fashion-MNIST table nor the calibration is rebuilt per working
// directory. Precedence: an explicit directory > $NFX_CACHE_DIR > the platform's user cache directory + "/nfx":
// $XDG_CACHE_HOME/nfx or ~/.cache/nfx (Linux and other Unix, XDG Base Directory spec), ~/Library/Caches/nfx
// (macOS), %LOCALAPPDATA%\nfx\Cache (Windows).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { writeFileAtomic } from "./files.js";

/** The platform's per-user cache directory for nfx (see the header for each platform's rule). */
export function userCacheDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = os.homedir(),
): string {
  if (platform === "darwin") return path.join(home, "Library", "Caches", "nfx");
  if (platform === "win32") return path.join(env.LOCALAPPDATA || path.join(home, "AppData", "Local"), "nfx", "Cache");
  // The XDG spec ignores a relative $XDG_CACHE_HOME.
  const xdg = env.XDG_CACHE_HOME;
  return path.join(xdg && path.isAbsolute(xdg) ? xdg : path.join(home, ".cache"), "nfx");
}

/** The cache directory to use: `explicit`, else $NFX_CACHE_DIR, else userCacheDir(); always absolute. */
export function resolveCacheDir(explicit?: string): string {
  if (explicit) return path.resolve(explicit);
  const fromEnv = process.env.NFX_CACHE_DIR;
  if (fromEnv) return path.resolve(fromEnv);
  return userCacheDir();
}

/**
 * The cache directory (resolveCacheDir), created if missing and checked writable: training writes its micro-batch
 * calibration and decoded datasets there, so a sweep checks it before it registers any run.
 * @throws Error, one line naming the directory, the system's reason and NFX_CACHE_DIR.
 */
export function ensureCacheDir(explicit?: string): string {
  const dir = resolveCacheDir(explicit);
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.accessSync(dir, fs.constants.W_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err instanceof Error ? err.message : String(err));
    throw new Error(
      `cache directory ${dir} cannot be created or written (${code}); set NFX_CACHE_DIR to a writable directory`,
    );
  }
  return dir;
}

/**
 * The entries of a keyed JSON file in the cache directory (`name`, e.g. "microbatch.json"): a calibration's cache,
 * read whole; empty when the file is missing or unreadable (a cache is rebuilt, never trusted blindly).
 */
export function readCacheEntries<T>(name: string): Record<string, T> {
  try {
    return JSON.parse(fs.readFileSync(path.join(resolveCacheDir(), name), "utf8")) as Record<string, T>;
  } catch {
    return {};
  }
}

/** Sets `key` in the keyed JSON file `name` of the cache directory, written atomically (the others kept). */
export function writeCacheEntry<T>(name: string, key: string, entry: T): void {
  writeFileAtomic(
    path.join(resolveCacheDir(), name),
    JSON.stringify({ ...readCacheEntries<T>(name), [key]: entry }, null, 1),
  );
}
