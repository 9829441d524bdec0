// The file name of a sweep's (or a single run's) comparison figure. The store records, per run, the figure files the
// run appears in (artifacts); a later sweep must never overwrite such a file with a figure that no longer shows
// that run. So: a single run's figure is its own (`<name>-<hash>`), and a sweep's is `<name>` unless that file is
// recorded for a run this sweep does not draw; then `<name>-<digest of the drawn runs' config hashes>`.
import { createHash } from "node:crypto";
import path from "node:path";
import type { RunStore, StoredRun } from "../core/store/runStore.js";

/** Runs recorded as appearing in the file at `file` (absolute path, as artifacts store it). */
function runsRecordedAt(store: RunStore, file: string): number[] {
  return (
    store.db.prepare("SELECT DISTINCT run_id FROM artifacts WHERE path = ?").all(file) as { run_id: number }[]
  ).map((r) => r.run_id);
}

/**
 * The base name (no extension) for the figure of `runs` in `dir`: `<name>-<first 10 hex of the config hash>` for a
 * single run; for a sweep `<name>`, or `<name>-<8 hex>` (a digest of the runs' config hashes) when `<name>.svg` is
 * recorded for a run not among `runs`.
 */
export function sweepFigureName(
  store: RunStore,
  dir: string,
  name: string,
  runs: readonly StoredRun[],
  single: boolean,
): string {
  if (single && runs.length === 1) return `${name}-${(runs[0] as StoredRun).config_hash.slice(0, 10)}`;
  const drawn = new Set(runs.map((r) => r.id));
  const free = (base: string) => runsRecordedAt(store, path.resolve(dir, `${base}.svg`)).every((id) => drawn.has(id));
  if (free(name)) return name;
  const digest = createHash("sha256")
    .update(
      runs
        .map((r) => r.config_hash)
        .sort()
        .join("\n"),
    )
    .digest("hex")
    .slice(0, 8);
  return `${name}-${digest}`;
}
