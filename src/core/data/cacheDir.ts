// Where derived data is cached (the decoded datasets, the micro-batch calibration): one per-user cache, whatever
// directory nfx runs from, so that neither the 55 MB Fashion-MNIST table nor the calibration is rebuilt per working
// directory. Precedence: an explicit directory > $NFX_CACHE_DIR > the platform's user cache directory + "/nfx":
// $XDG_CACHE_HOME/nfx or ~/.cache/nfx (Linux and other Unix, XDG Base Directory spec), ~/Library/Caches/nfx
// (macOS), %LOCALAPPDATA%\nfx\Cache (Windows).
import os from "node:os";
import path from "node:path";

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
