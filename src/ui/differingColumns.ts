// The config keys a list of runs differs in, beyond the columns a table always shows: `nfx runs` adds them, so a
// listing of runs that differ only in `agc.exclude` (issue 27 item 18) or a learning rate says so.

import { flatten, type Plain } from "../core/config/dotted.js";
import { canonicalJson } from "../core/config/hash.js";
import type { StoredRun } from "../core/store/runStore.js";

/**
 * The dotted config keys (flatten's leaves: lists such as `agc.exclude` are one key, `model.*` keys one level
 * down) whose values are not the same in every run of `runs`, in the order of the first run's config, without
 * those in `shown`. Canonical JSON compares values, so key order inside a value does not count as a difference.
 */
export function differingConfigKeys(runs: readonly StoredRun[], shown: readonly string[]): string[] {
  if (runs.length < 2) return [];
  const flat = runs.map((r) => flatten(r.config as unknown as Plain));
  const keys = [...new Set(flat.flatMap((f) => [...f.keys()]))].filter((k) => !shown.includes(k));
  return keys.filter((k) => new Set(flat.map((f) => canonicalJson(f.get(k) ?? null))).size > 1);
}
