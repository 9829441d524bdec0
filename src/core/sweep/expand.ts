// Expanding a sweep (sweepSpec.ts) into the list of runs it names, purely (loadSweepFile reads the file first). The
// steps of expandSweepPlan:
//   1. refuse a --set of a swept key;
//   2. the points: grid × zip × random × seeds;
//   3. each point merged over the base config (then --set), resolved, its faults located in the file;
//   4. points that exclude / only drop, counted; points that are an earlier run, collapsed into it;
//   5. refuse an axis that changes no run (noChange.ts), and exclude / only that leave no run.

import { ConfigError, FaultCollector } from "../config/configError.js";
import { getDotted, hasDotted, type Plain, setDotted } from "../config/dotted.js";
import { canonicalJson, configHash, differingKeys, inertKeys } from "../config/hash.js";
import { resolveConfig } from "../config/resolve.js";
import type { RunConfig } from "../config/schema.js";
import { parseSetOverride } from "../config/setOverride.js";
import { type Locate, readYamlFile } from "../config/yamlFile.js";
import { writeValue } from "../text/writtenForm.js";
import { admitted } from "./constraints.js";
import { type AdmittedPoint, checkLiveAxes, inertWhy } from "./noChange.js";
import { drawRandomAxis } from "./randomAxis.js";
import { axisOf, locateAxisKey, parseSweep, SWEEP_KEYS, type SweepSpec } from "./sweepSpec.js";

export interface ExpandedRun {
  /** Position in the expansion (0-based). */
  index: number;
  /** The axis values that make this run differ from the base, dotted keys. */
  point: Record<string, unknown>;
  config: RunConfig;
  hash: string;
}

/** A point of a sweep that is the same run as an earlier one: they differ only in keys that change nothing. */
export interface CollapsedPoint {
  /** The point's axis values as written in the sweep (its run's `point` shows what runs). */
  point: Record<string, unknown>;
  /** Index of the run it is. */
  into: number;
  /**
   * The keys whose values differ, as written or as resolved (inert, execution or canonicalised keys; see
   * config/hash.ts), empty for an exact repeat.
   */
  keys: string[];
}

export interface Expansion {
  runs: ExpandedRun[];
  /** Points dropped as repeats of a run already in `runs`. */
  collapsed: CollapsedPoint[];
  /** Points the sweep's `exclude` / `only` dropped. */
  excluded: number;
  /** Points before any were dropped. */
  points: number;
}

function cartesian(axes: [string, unknown[]][]): Record<string, unknown>[] {
  let points: Record<string, unknown>[] = [{}];
  for (const [key, values] of axes) {
    points = points.flatMap((p) => values.map((v) => ({ ...p, [key]: v })));
  }
  return points;
}

/**
 * Expands a sweep into runs: grid × zip × random × seeds, each point merged over the base config (then `--set`
 * overrides), validated and hashed. Points with one identity (config/hash.ts) are one run: the first is kept and
 * the others are listed in `collapsed`. A run's `point` holds the values its config really has (after --set and
 * canonicalisation) and none of the keys its config makes inert, so labels never show a value that did not run.
 * @throws ConfigError located at file:line:col (or `--set`) for a bad value, a `--set` of a swept key (it would
 *   replace every value of that axis) and `exclude` / `only` that leave no point.
 */
export function expandSweepPlan(spec: SweepSpec, sets: string[] = [], locate: Locate = () => undefined): Expansion {
  const overrides = parseSets(sets);
  refuseSweptSets(spec, overrides, locate);
  const points = sweepPoints(spec);
  const configs = resolvePoints(spec, points, overrides, locate);
  const runs: ExpandedRun[] = [];
  const collapsed: CollapsedPoint[] = [];
  const admittedPoints: AdmittedPoint[] = [];
  const seen = new Map<string, { run: ExpandedRun; written: Record<string, unknown> }>();
  let excluded = 0;
  for (const [i, written] of points.entries()) {
    const config = configs[i] as RunConfig;
    if (!admitted(config, spec.exclude, spec.only)) {
      excluded++;
      continue;
    }
    const hash = configHash(config);
    admittedPoints.push({ written, hash, config });
    const first = seen.get(hash);
    if (first) {
      collapsed.push(collapsedInto(first.run, first.written, written, config));
      continue;
    }
    // The point as it ran: --set and canonical forms (λ = null ⇒ granularity none) can change written values, and
    // a key the config makes inert (agc.exclude without clipping) is left out: it labelled nothing that ran.
    const inert = new Set(inertKeys(config));
    const point = Object.fromEntries(
      Object.keys(written)
        .filter((k) => !inert.has(k))
        .map((k) => [k, getDotted(config, k) ?? null]),
    );
    const run = { index: runs.length, point, config, hash };
    seen.set(hash, { run, written });
    runs.push(run);
  }
  checkLiveAxes(spec, overrides, admittedPoints, locate);
  refuseNoRun(spec, points.length, runs.length, locate);
  return { runs, collapsed, excluded, points: points.length };
}

/** Every `--set`, parsed; the faults of all of them at once. */
function parseSets(sets: readonly string[]): [string, unknown][] {
  const faults = new FaultCollector();
  const overrides = sets.map((s) => faults.check(() => parseSetOverride(s)));
  faults.throwIfAny();
  return overrides as [string, unknown][];
}

/** Step 1: a --set of a swept key would run every point at one value and label them with the axis values. */
function refuseSweptSets(spec: SweepSpec, overrides: [string, unknown][], locate: Locate): void {
  for (const [key] of overrides) {
    const axis = axisOf(spec, key);
    if (axis) {
      const where = locateAxisKey(axis, key, locate) ?? locate([axis]);
      throw new ConfigError(
        key,
        `is swept by the sweep's ${axis} axis${where ? ` (${where})` : ""}; --set would run every point at one ` +
          "value and label them with the axis values. Edit the axis (or add an `only:` entry) instead",
        "--set",
      );
    }
  }
}

/** Step 2: every point of the sweep, its axis values as written (dotted keys), in expansion order. */
function sweepPoints(spec: SweepSpec): Record<string, unknown>[] {
  const zipPoints =
    spec.zip.length === 0
      ? [{}]
      : (spec.zip[0]?.[1] ?? []).map((_, i) => Object.fromEntries(spec.zip.map(([k, vs]) => [k, vs[i]])));
  const seedPoints = spec.seeds ? spec.seeds.map((s) => ({ seed: s })) : [{}];
  const randomPoints = spec.random ? drawRandomAxis(spec.random) : [{}];
  return cartesian(spec.grid).flatMap((g) =>
    zipPoints.flatMap((z) => randomPoints.flatMap((r) => seedPoints.map((s) => ({ ...g, ...z, ...r, ...s })))),
  );
}

/**
 * Step 3 for every point: their configs, or every fault of every point at once (a fault of the base config, which
 * every point shares, once), each located where it is written.
 */
function resolvePoints(
  spec: SweepSpec,
  points: readonly Record<string, unknown>[],
  overrides: [string, unknown][],
  locate: Locate,
): RunConfig[] {
  const faults = new FaultCollector();
  const configs = points.map((written) => faults.check(() => resolvePoint(spec, written, overrides, locate)));
  faults.throwIfAny();
  return configs as RunConfig[];
}

/** Step 3: the config of one point: the base, the point's values, then --set; a fault located where it is written. */
function resolvePoint(
  spec: SweepSpec,
  written: Record<string, unknown>,
  overrides: [string, unknown][],
  locate: Locate,
): RunConfig {
  const merged: Plain = JSON.parse(JSON.stringify(spec.base));
  for (const [k, v] of Object.entries(written)) setDotted(merged, k, v);
  for (const [k, v] of overrides) setDotted(merged, k, v);
  try {
    // A sweep file's own sections are names the file may have meant (`grdi:` is `grid`).
    return resolveConfig(merged, { alsoKnown: SWEEP_KEYS });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    throw err.mapFaults((f) => (f.where ? f : locateFault(f, spec, overrides, locate)));
  }
}

/** A point's fault, located: at `--set`, at the axis that writes the key, or in the base config. */
function locateFault(err: ConfigError, spec: SweepSpec, overrides: [string, unknown][], locate: Locate): ConfigError {
  // A key given with --set is at fault there, not at the file's line that --set replaced.
  const setKey = err.keys.find((key) => overrides.some(([k]) => k === key || key.startsWith(`${k}.`)));
  if (setKey) return err.blame(setKey).at("--set");
  // Otherwise the fault is where the key is written: an axis first, then the base config.
  const keys = err.keys.length ? err.keys : [err.key];
  for (const key of keys) {
    const axis = axisOf(spec, key);
    const where = axis ? locateAxisKey(axis, key, locate) : undefined;
    if (where) return err.blame(key).at(where);
  }
  for (const key of keys) {
    const where = key in spec.base || hasDotted(spec.base, key) ? locate(key.split(".")) : undefined;
    if (where) return err.blame(key).at(where);
  }
  const where = locate(err.key.split("."));
  return where ? err.at(where) : err;
}

/** Step 4: a point that is the run `first` (written as `firstWritten`), with the keys that differ. */
function collapsedInto(
  first: ExpandedRun,
  firstWritten: Record<string, unknown>,
  written: Record<string, unknown>,
  config: RunConfig,
): CollapsedPoint {
  // Keys written differently count too: canonical forms (λ = null ⇔ granularity none) make them equal configs.
  const writtenKeys = Object.keys(written).filter((k) => canonicalJson(written[k]) !== canonicalJson(firstWritten[k]));
  const keys = [...new Set([...differingKeys(first.config, config), ...writtenKeys])];
  return { point: written, into: first.index, keys };
}

/** Step 5: `exclude` / `only` that leave none of the sweep's points would run nothing. */
function refuseNoRun(spec: SweepSpec, points: number, runs: number, locate: Locate): void {
  if (points === 0 || runs > 0) return;
  const section = spec.exclude.length ? "exclude" : "only";
  throw new ConfigError(
    section,
    `leaves none of the sweep's ${points} points: nothing would run`,
    locate([section]) ?? undefined,
  );
}

/** The runs of a sweep (see expandSweepPlan). */
export function expandSweep(spec: SweepSpec, sets: string[] = [], locate: Locate = () => undefined): ExpandedRun[] {
  return expandSweepPlan(spec, sets, locate).runs;
}

/** How many run hashes a collapse warning lists before it says "and N more". */
const LISTED_HASHES = 3;

/**
 * At most one line for all the points that are another point's run (issue 27: one line per run wrapped to dozens of
 * terminal lines). Runs are named by the first 10 characters of their config hash, as `nfx runs` shows it and
 * `nfx runs show` takes it — never by the expansion's 0-based index, which is no store id. A lone point is named
 * with its run; more are counted, with each distinct reason once. `--dry-run --json` lists every point
 * (`same_run_points`).
 */
export function collapsedWarnings(expansion: Expansion): string[] {
  const { collapsed, runs } = expansion;
  if (collapsed.length === 0) return [];
  const reasons = new Map<string, number>();
  for (const c of collapsed) {
    const run = runs[c.into] as ExpandedRun;
    const whys = c.keys.length ? c.keys.map((k) => inertWhy(run.config, [k])) : ["the same values are written twice"];
    for (const why of whys) reasons.set(why, (reasons.get(why) ?? 0) + 1);
  }
  const why = [...reasons].map(([r, n]) => (reasons.size > 1 ? `${r} (${n})` : r)).join("; ");
  if (collapsed.length === 1) {
    const c = collapsed[0] as CollapsedPoint;
    const run = runs[c.into] as ExpandedRun;
    return [
      `1 point (${pointLabel(c.point) || "(base)"}) is run ${run.hash.slice(0, 10)} ` +
        `(${pointLabel(run.point) || "(base)"}): ${why}`,
    ];
  }
  const into = [...new Set(collapsed.map((c) => c.into))].map((i) => (runs[i] as ExpandedRun).hash.slice(0, 10));
  const listed = into.slice(0, LISTED_HASHES).join(", ");
  const more = into.length > LISTED_HASHES ? ` and ${into.length - LISTED_HASHES} more` : "";
  const target = into.length === 1 ? `run ${listed}` : `${into.length} runs (${listed}${more})`;
  return [`${collapsed.length} points are ${target}: ${why}; --dry-run --json lists each point`];
}

/** `key=value` pairs of a point, as the dry run and progress lines print them. */
export function pointLabel(point: Record<string, unknown>): string {
  return Object.entries(point)
    .map(([k, v]) => `${k}=${writeValue(v)}`)
    .join(" ");
}

export interface LoadedSweep {
  file: string;
  spec: SweepSpec;
  runs: ExpandedRun[];
  /** Points that are the same run as another (see expandSweepPlan). */
  collapsed: CollapsedPoint[];
  /** Points dropped by `exclude` / `only`. */
  excluded: number;
  /** What the user should know before anything runs (collapsed points); one line each. */
  warnings: string[];
}

/** Reads, parses and expands a sweep file; every fault names file:line:col. */
export function loadSweepFile(file: string, sets: string[] = []): LoadedSweep {
  const y = readYamlFile(file);
  const fallback = file
    .split("/")
    .pop()
    ?.replace(/\.(ya?ml|json)$/, "");
  const spec = parseSweep(y.data, fallback ?? "sweep", y.locate);
  refuseSettingNothing(spec, y.locate([]));
  return { file, spec, ...fromExpansion(expandSweepPlan(spec, sets, y.locate)) };
}

/**
 * A file that writes no config key, in its base or any axis (`name:` with an empty `grid: {}`; only `seeds:`),
 * would train the full defaults (all of Fashion-MNIST): refused, at the file's start.
 */
function refuseSettingNothing(spec: SweepSpec, where: string): void {
  const swept = [...spec.grid, ...spec.zip, ...(spec.random?.params ?? [])].map(([k]) => k);
  if (Object.keys(spec.base).length > 0 || swept.some((k) => k !== "seed")) return;
  throw new ConfigError(
    "",
    `the file sets no config key and no axis${spec.seeds ? " but seeds" : ""}; it would train every default ` +
      "(all of Fashion-MNIST). Write the keys you mean (e.g. `model: { name: nf-resnet-micro }`)",
    where,
  );
}

/** A LoadedSweep's runs, collapsed points, exclusions and warnings from an expansion. */
export function fromExpansion(e: Expansion): Omit<LoadedSweep, "file" | "spec"> {
  return { runs: e.runs, collapsed: e.collapsed, excluded: e.excluded, warnings: collapsedWarnings(e) };
}
