// Where derived data (decoded datasets) is cached: explicit option > NFX_CACHE_DIR > ./.nfx-cache (gitignored).
import path from "node:path";

export function resolveCacheDir(explicit?: string): string {
  if (explicit) return path.resolve(explicit);
  const fromEnv = process.env.NFX_CACHE_DIR;
  if (fromEnv) return path.resolve(fromEnv);
  return path.resolve(".nfx-cache");
}
