// Values that change no run, as the sweep explains them: why a key makes no difference to a run
// (noChangeReason, read from the identity's own rules: config/hash.ts EXECUTION_RULES and CANONICAL_SPELLINGS,
// config/inert.ts INERT_RULES and NO_CLIPPING_SPELLINGS), and the refusal of an axis that changes no run at all
// (checkLiveAxes). The reasons are the rules' own words, so an explanation cannot disagree with the hash.
import { ConfigError } from "../config/configError.js";
import { hasDotted } from "../config/dotted.js";
import { CANONICAL_SPELLINGS, canonicalJson, EXECUTION_RULES } from "../config/hash.js";
import { INERT_RULES, NO_CLIPPING_SPELLINGS } from "../config/inert.js";
import type { RunConfig } from "../config/schema.js";
import type { Locate } from "../config/yamlFile.js";
import { axisOf, locateAxisKey, type SweepSpec } from "./sweepSpec.js";

/** Why `key` does not change a run of `config`, and the other keys whose values make it so (none: its own value). */
export interface NoChange {
  because: string;
  causes: string[];
}

/**
 * Why a value of `key` makes no difference to the run of `config` (config/hash.ts: execution keys, inert keys,
 * canonical spellings), or null when no rule says it should not (then two values of it are two runs, unless
 * written alike).
 */
export function noChangeReason(config: RunConfig, key: string): NoChange | null {
  const execution = EXECUTION_RULES.find((rule) => rule.keys.includes(key));
  if (execution) return { because: execution.because, causes: [] };
  const spelling = CANONICAL_SPELLINGS.find((rule) => rule.key === key);
  if (spelling) {
    const same = spelling.sameAsNull(config);
    return same === undefined ? null : { because: spelling.because(config, same), causes: [] };
  }
  const inert = [...INERT_RULES, ...NO_CLIPPING_SPELLINGS].find((rule) => rule.keys.includes(key) && rule.when(config));
  return inert ? { because: inert.because(config), causes: [...inert.causes] } : null;
}

/** "K does not change the run because R" for each key (noChangeReason), joined by "; ". */
export function inertWhy(config: RunConfig, keys: readonly string[]): string {
  return keys
    .map((k) => {
      const why = noChangeReason(config, k);
      return `${k} does not change the run${why ? ` because ${why.because}` : ""}`;
    })
    .join("; ");
}

/** An admitted point of a sweep: its axis values as written, its run's hash and config. */
export interface AdmittedPoint {
  written: Record<string, unknown>;
  hash: string;
  config: RunConfig;
}

/**
 * Refuses an axis that changes no run at all: every set of points that differ only in it is one run, because of
 * another key (a --set, the base config or a one-valued axis: `agc.lambda: [0.01, 0.16]` under agc.granularity
 * none). Such a sweep would train fewer runs than it names and label them with values that did not run. An axis
 * whose values are merely spellings of one another (a size equal to the whole split) is reported as repeats
 * instead (collapsedWarnings).
 * @throws ConfigError at `--set` (naming the --set key) or at the axis's file:line:col.
 */
export function checkLiveAxes(
  spec: SweepSpec,
  overrides: [string, unknown][],
  points: AdmittedPoint[],
  locate: Locate,
): void {
  const swept = [...spec.grid, ...spec.zip].map(([k]) => k).concat(spec.random?.params.map(([k]) => k) ?? []);
  for (const key of swept) {
    if (!changesNoRun(key, points)) continue;
    const config = points[0]?.config;
    const why = config ? noChangeReason(config, key) : null;
    if (!why || why.causes.length === 0) continue;
    const axis = axisOf(spec, key) ?? "grid";
    const axisWhere = locate([axis, key]) ?? locate([axis]);
    const setCause = why.causes.find((c) => overrides.some(([k]) => k === c));
    if (setCause) {
      throw new ConfigError(
        setCause,
        `makes the sweep's ${axis} axis ${key}${axisWhere ? ` (${axisWhere})` : ""} change no run: ${key} does not ` +
          `change the run because ${why.because}. Drop the --set or the axis`,
        "--set",
        [setCause, key],
      );
    }
    const causeWhere = why.causes
      .map((c) => {
        const a = axisOf(spec, c);
        if (a) return locateAxisKey(a, c, locate);
        return hasDotted(spec.base, c) ? locate(c.split(".")) : undefined;
      })
      .find((w) => w !== undefined);
    throw new ConfigError(
      key,
      `the sweep's ${axis} axis changes no run: ${key} does not change the run because ${why.because}` +
        `${causeWhere ? ` (${causeWhere})` : ""}. Drop the axis or change ${why.causes.join(" / ")}`,
      axisWhere,
      [key, ...why.causes],
    );
  }
  refuseInertSets(overrides, points);
}

/**
 * A `--set` of a key that another key makes inert in every run (optim.beta1 under SGD, agc.exclude without
 * clipping) would be stored, listed and filtered on as if it had changed the runs: refused like such an axis.
 * Only the inert rules (config/inert.ts INERT_RULES): keys that only change how a run executes (train.micro_batch)
 * and the spellings of "no clipping" (`--set agc.granularity=none` under λ null says the same) pass.
 */
function refuseInertSets(overrides: [string, unknown][], points: AdmittedPoint[]): void {
  if (!points.length) return;
  for (const [key] of overrides) {
    const rules = points.map((p) => INERT_RULES.find((rule) => rule.keys.includes(key) && rule.when(p.config)));
    if (!rules.every((r) => r !== undefined)) continue;
    const rule = rules[0] as (typeof INERT_RULES)[number];
    const why = { because: rule.because((points[0] as AdmittedPoint).config), causes: rule.causes };
    throw new ConfigError(
      key,
      `changes no run: ${key} does not change the run because ${why.because}. Drop the --set or set ` +
        `${why.causes.join(" / ")} too`,
      "--set",
      [key, ...why.causes],
    );
  }
}

/**
 * Whether `key` varies somewhere among `points` and never changes a run: every set of points that differ only in
 * it has one hash.
 */
function changesNoRun(key: string, points: AdmittedPoint[]): boolean {
  const groups = new Map<string, { values: Set<string>; hashes: Set<string> }>();
  for (const p of points) {
    const rest = canonicalJson(Object.fromEntries(Object.entries(p.written).filter(([k]) => k !== key)));
    const g = groups.get(rest) ?? { values: new Set<string>(), hashes: new Set<string>() };
    g.values.add(canonicalJson(p.written[key]));
    g.hashes.add(p.hash);
    groups.set(rest, g);
  }
  const varied = [...groups.values()].filter((g) => g.values.size > 1);
  return varied.length > 0 && !varied.some((g) => g.hashes.size > 1);
}
