// Which stored runs a plot draws. The one place that turns a user's selection into runs: when the store's `--where`
// query language lands, it replaces `matchesFilters` here and nothing else changes.
import type { RunStore, StoredRun } from "../store/runStore.js";
import { type Cell, type RunRow, runRow } from "./runRows.js";

export interface RunFilter {
  key: string;
  value: Cell;
}

/** Parses `key=value` (value: a number, true/false, null/none, or text). */
export function parseFilter(text: string): RunFilter {
  const eq = text.indexOf("=");
  if (eq <= 0) throw new Error(`--filter ${text}: expected KEY=VALUE, e.g. agc.granularity=unit`);
  const key = text.slice(0, eq).trim();
  const raw = text.slice(eq + 1).trim();
  let value: Cell = raw;
  if (raw === "null" || raw === "none") value = null;
  else if (raw === "true" || raw === "false") value = raw === "true";
  else if (raw !== "" && Number.isFinite(Number(raw))) value = Number(raw);
  return { key, value };
}

function matchesFilters(row: RunRow, filters: readonly RunFilter[]): boolean {
  return filters.every((f) => {
    const v = row[f.key];
    if (f.value === null) return v === null || v === "none";
    if (typeof f.value === "number") return typeof v === "number" && Math.abs(v - f.value) <= 1e-12 * Math.abs(f.value);
    return String(v) === String(f.value);
  });
}

export interface SelectedRun {
  run: StoredRun;
  row: RunRow;
}

/** Finished runs (completed or diverged) that match every filter, oldest first. */
export function selectRuns(store: RunStore, filters: readonly RunFilter[]): SelectedRun[] {
  const known = new Set<string>();
  const selected: SelectedRun[] = [];
  for (const run of store.listRuns()) {
    const row = runRow(run);
    for (const k of Object.keys(row)) known.add(k);
    if ((run.status === "completed" || run.status === "diverged") && matchesFilters(row, filters))
      selected.push({ run, row });
  }
  for (const f of filters) {
    if (known.size && !known.has(f.key)) throw new Error(`--filter ${f.key}: no run has this key`);
  }
  return selected;
}
