// A claim's contrast found among any stored runs: the runs that can be compared are those that agree on every
// identity key (config/hash.ts configIdentity) except the seed, pooled as replicates, and the keys the claim varies
// (its ClaimMatch). Steps:
//   1. refused: runs the claim cannot use whatever they are matched with (no clipping for a threshold claim …);
//   2. grouped: the rest by their identity without the seed and the varied keys (a matched set);
//   3. usable: the sets that hold everything the claim needs (BN-ResNet runs, layer-wise runs …);
//   4. left out: every other set, with the need it lacks and how it differs from the nearest runs that hold it
//      ("differ in optim.lr as well"), or that no selected run holds it.
import { canonicalJson, configIdentity } from "../../core/config/hash.js";
import { atModelDefault } from "../../core/config/modelDefaults.js";
import { configValue, type RunRow, rowLabel, runRow } from "../../core/plot/runRows.js";
import type { StoredRun } from "../../core/store/runStore.js";
import type { ClaimMatch, ClaimRule } from "./claimRule.js";
import { idsText } from "./evidenceText.js";

/** Runs that agree on every identity key but the seed and the claim's varied keys, and hold what it needs. */
export interface MatchedSet {
  /** The keys that tell this set from the claim's other sets ("lr=0.2"), put before its conditions; "" for one set. */
  label: string;
  /** The same with the batch size, which the conditions name ("B=64 · lr=0.2"), for the list of runs used. */
  setting: string;
  runs: StoredRun[];
  rows: RunRow[];
}

/** Runs a claim could not use, and why. */
export interface LeftOut {
  reason: string;
  runIds: number[];
}

export interface ClaimMatching {
  sets: MatchedSet[];
  leftOut: LeftOut[];
}

interface Group {
  setting: Record<string, unknown>;
  runs: StoredRun[];
  rows: RunRow[];
}

/** Every comparison names its batch size in its condition: a set's label never repeats it. */
const NAMED_BY_CONDITIONS = new Set(["train.batch_size"]);

/** The run's identity without its seed and the varied keys; keys matched after a mapping are mapped. */
export function matchSetting(run: StoredRun, match: ClaimMatch): Record<string, unknown> {
  const setting: Record<string, unknown> = { ...configIdentity(run.config) };
  for (const key of ["seed", ...match.varies]) delete setting[key];
  // Runs of different models compared as such each take their model's own defaults (BN's weight decay 1e-4, 2e-5
  // for the NF-ResNet: config/modelDefaults.ts): matched as "the model's default", not as two values.
  if (match.varies.includes("model.name"))
    for (const key of atModelDefault(run.config)) setting[key] = "the model's default";
  // The run's length as it was asked for, not the identity's canonical spelling of it: `train.steps: 4` at a batch
  // where one epoch is 4 steps is spelled as epochs in the identity, and would not match `train.steps: 4` at another
  // batch size. Length is what a claim across batch sizes holds fixed.
  const t = run.config.train;
  delete setting["train.steps"];
  delete setting["train.epochs"];
  if (t.steps != null) setting["train.steps"] = t.steps;
  else setting["train.epochs"] = t.epochs;
  // A mapped key is read from the config itself: the identity leaves it out at its baseline.
  for (const [key, map] of Object.entries(match.matchedAs ?? {})) setting[key] = map(configValue(run.config, key));
  return setting;
}

function groupRuns(runs: readonly StoredRun[], match: ClaimMatch): Group[] {
  const groups = new Map<string, Group>();
  for (const run of runs) {
    const setting = matchSetting(run, match);
    const key = canonicalJson(setting);
    const g = groups.get(key) ?? { setting, runs: [], rows: [] };
    g.runs.push(run);
    g.rows.push(runRow(run));
    groups.set(key, g);
  }
  return [...groups.values()];
}

/** Keys (sorted) whose values differ between two settings; a key one of them lacks is at its baseline there. */
export function settingDiff(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys.filter((k) => canonicalJson(a[k] ?? null) !== canonicalJson(b[k] ?? null));
}

const ids = (runs: readonly StoredRun[]) => runs.map((r) => r.id);

/**
 * Why a set that lacks some of the claim's needs is left out (step 4 of the header): per need, the nearest other set
 * (fewest differing keys) that would supply it, or that none does; needs the same set would supply are said once.
 */
function whyLeftOut(rule: ClaimRule, g: Group, groups: readonly Group[]): string {
  const missing: string[] = [];
  const near = new Map<Group, { keys: string[]; what: string[] }>();
  for (const need of rule.match.needs.filter((n) => !n.has(g.rows))) {
    let best: { group: Group; keys: string[] } | null = null;
    for (const h of groups) {
      if (h === g || !need.has([...g.rows, ...h.rows])) continue;
      const keys = settingDiff(g.setting, h.setting);
      if (!best || keys.length < best.keys.length) best = { group: h, keys };
    }
    if (!best) missing.push(need.what);
    else near.set(best.group, { keys: best.keys, what: [...(near.get(best.group)?.what ?? []), need.what] });
  }
  const parts = [...near].map(
    ([h, { keys, what }]) =>
      `they differ in ${keys.join(", ")} as well from the ${what.join(" and ")} claim ${rule.id} needs (runs ${idsText(ids(h.runs))})`,
  );
  if (missing.length) parts.unshift(`no ${missing.join(" and no ")}: claim ${rule.id} needs them`);
  return parts.join("; ");
}

function addLeftOut(out: LeftOut[], reason: string, runIds: readonly number[]): void {
  const same = out.find((l) => l.reason === reason);
  if (same) same.runIds.push(...runIds);
  else out.push({ reason, runIds: [...runIds] });
}

/** The label of each usable set: the keys (but the batch size) that differ between the sets, with their values. */
function labelled(groups: readonly Group[]): MatchedSet[] {
  const differ = new Set<string>();
  for (const a of groups) for (const b of groups) for (const k of settingDiff(a.setting, b.setting)) differ.add(k);
  const all = [...differ].sort();
  const keys = all.filter((k) => !NAMED_BY_CONDITIONS.has(k));
  const text = (g: Group, ks: string[]) => (ks.length ? rowLabel(g.rows[0] ?? {}, ks) : "");
  return groups.map((g) => ({ label: text(g, keys), setting: text(g, all), runs: g.runs, rows: g.rows }));
}

/**
 * The claim's matched sets among `runs` (finished runs: the caller leaves out the others), and every run it could
 * not use with the reason (the steps in the file's header). Sets come in the order of their first run.
 */
export function matchClaim(rule: ClaimRule, runs: readonly StoredRun[]): ClaimMatching {
  const leftOut: LeftOut[] = [];
  const kept: StoredRun[] = [];
  for (const run of runs) {
    const reason = rule.match.refuses(runRow(run));
    if (reason) addLeftOut(leftOut, reason, [run.id]);
    else kept.push(run);
  }
  const groups = groupRuns(kept, rule.match);
  const usable = groups.filter((g) => rule.match.needs.every((need) => need.has(g.rows)));
  for (const g of groups) {
    if (!usable.includes(g)) addLeftOut(leftOut, whyLeftOut(rule, g, groups), ids(g.runs));
  }
  return { sets: labelled(usable), leftOut };
}
