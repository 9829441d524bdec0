// The config keys a list of runs differs in, beyond the columns a table always shows: `nfx runs` adds them, so a
// listing of runs that differ only in `agc.exclude` (issue 27 item 18) or a learning rate says so.

import { flatten, getDotted, type Plain } from "../core/config/dotted.js";
import { canonicalJson, inertKeys } from "../core/config/hash.js";
import type { StoredRun } from "../core/store/runStore.js";
import { configCell } from "./cells.js";

/**
 * The dotted config keys (flatten's leaves: lists such as `agc.exclude` are one key, `model.*` keys one level
 * down) whose values are not the same in every run of `runs`, in the order of the first run's config, without
 * those in `shown`. Canonical JSON compares values, so key order inside a value does not count as a difference. A
 * key a run's config makes inert (config/inert.ts: the exclusions of a run that does not clip, Adam's β under SGD)
 * counts as no value there: it changed nothing in that run (shownValue prints it as —).
 */
export function differingConfigKeys(runs: readonly StoredRun[], shown: readonly string[]): string[] {
  if (runs.length < 2) return [];
  const flat = runs.map((r) => {
    const f = flatten(r.config as unknown as Plain);
    for (const k of inertKeys(r.config)) f.delete(k);
    return f;
  });
  const keys = [...new Set(flat.flatMap((f) => [...f.keys()]))].filter((k) => !shown.includes(k));
  // Compared among the runs in which the key is live: where it is inert it has no value to differ in.
  return keys.filter((k) => new Set(flat.filter((f) => f.has(k)).map((f) => canonicalJson(f.get(k) ?? null))).size > 1);
}

/** A run's cell of config key `key`: its written value, or — where its config makes the key inert. */
export function configKeyCell(run: StoredRun, key: string): string {
  return inertKeys(run.config).includes(key) ? "—" : configCell(getDotted(run.config, key));
}
