// Runs of two training revisions (config/schema.ts TRAINING_REVISION) are never pooled in one point: older code
// trained them differently, so their mean would belong to neither. Where a group holds both, the newest revision's
// runs stand for it and the others are left out (they are kept in the store, and are what an older nfx reports).
import type { RunRow } from "./runRows.js";

/** A row's training revision: its config's `revision`, 1 for a config stored before the key existed. */
export function rowRevision(row: RunRow): number {
  return typeof row.revision === "number" ? row.revision : 1;
}

/**
 * `rows` with, in every group of equal `keys` values, only the rows of the group's newest training revision;
 * `left`: the run ids of the rows left out, in input order.
 */
export function newestRevisionPerGroup(
  rows: readonly RunRow[],
  keys: readonly string[],
): { rows: RunRow[]; left: number[] } {
  const groupOf = (row: RunRow) => JSON.stringify(keys.map((k) => row[k] ?? null));
  const newest = new Map<string, number>();
  for (const row of rows) newest.set(groupOf(row), Math.max(newest.get(groupOf(row)) ?? 0, rowRevision(row)));
  const kept: RunRow[] = [];
  const left: number[] = [];
  for (const row of rows) {
    if (rowRevision(row) === newest.get(groupOf(row))) kept.push(row);
    else left.push(row.run_id as number);
  }
  return { rows: kept, left };
}
