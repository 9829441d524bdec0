// The file name of a sweep's (or a single run's) comparison figure. The store records, per run, the figure files the
// run appears in (artifacts, with the SHA-256 of what it wrote); a sweep must never overwrite a file this store did
// not write for the same runs: neither one it recorded for a run this sweep does not draw, nor one another store
// (a second --db in the same directory) or anything else wrote there. So: a single run's figure is
// `<name>-<hash>`, a sweep's is `<name>`, and when that file is not free, `<name>-<digest>` (a digest of the drawn
// runs' config hashes and this store's path, so two stores never pick the same one), then `<name>-<digest>-2`, ….
import fs from "node:fs";
import path from "node:path";
import { sha256File, sha256Hex } from "../core/base/files.js";
import type { RunStore, StoredRun } from "../core/store/runStore.js";

/** The artifacts recorded at `file` (absolute path, as artifacts store it): which runs, and the contents' SHA-256s. */
function recordedAt(store: RunStore, file: string): { runs: number[]; shas: Set<string> } {
  const rows = store.db.prepare("SELECT run_id, sha256 FROM artifacts WHERE path = ?").all(file) as {
    run_id: number;
    sha256: string | null;
  }[];
  return { runs: rows.map((r) => r.run_id), shas: new Set(rows.flatMap((r) => (r.sha256 ? [r.sha256] : []))) };
}

function sha256Of(file: string): string | null {
  try {
    return sha256File(file);
  } catch {
    return null;
  }
}

/**
 * Whether `<dir>/<base>.svg` may be (over)written with the figure of the runs `drawn`: this store records it for
 * none but these runs, and the file is absent or still holds what this store wrote there (a recorded SHA-256).
 */
function free(store: RunStore, dir: string, base: string, drawn: ReadonlySet<number>): boolean {
  const file = path.resolve(dir, `${base}.svg`);
  const rec = recordedAt(store, file);
  if (!rec.runs.every((id) => drawn.has(id))) return false;
  if (!fs.existsSync(file)) return true;
  if (!rec.runs.length) return false;
  const sha = sha256Of(file);
  return sha !== null && rec.shas.has(sha);
}

/**
 * The base name (no extension) for the figure of `runs` in `dir`: `<name>-<first 10 hex of the config hash>` for a
 * single run, `<name>` for a sweep; when that file is not free (see above), `<name>-<8 hex>` (a digest of the runs'
 * config hashes and the store's file), then `<name>-<8 hex>-2`, `-3`, … until one is.
 */
export function sweepFigureName(
  store: RunStore,
  dir: string,
  name: string,
  runs: readonly StoredRun[],
  single: boolean,
): string {
  const drawn = new Set(runs.map((r) => r.id));
  const first = single && runs.length === 1 ? `${name}-${(runs[0] as StoredRun).config_hash.slice(0, 10)}` : name;
  if (free(store, dir, first, drawn)) return first;
  const hashes = runs
    .map((r) => r.config_hash)
    .sort()
    .join("\n");
  const digest = sha256Hex(`${hashes}\n${path.resolve(store.file)}`).slice(0, 8);
  const base = `${first}-${digest}`;
  for (let i = 1; ; i++) {
    const candidate = i === 1 ? base : `${base}-${i}`;
    if (free(store, dir, candidate, drawn)) return candidate;
  }
}
