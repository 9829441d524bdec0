// Sweep files: a base config plus axes. Expansion is pure: it turns a sweep into the list of runs it names.
//
//   name: quickstart            # optional
//   model: { name: nf-resnet-micro }   # every other top-level key is the base config
//   grid:                       # cartesian product, in the order written
//     agc.lambda: [0.01, 0.16, null]
//     train.batch_size: [64, 256]
//   zip:                        # lists that move together (one axis)
//     train.batch_size: [256, 1024]
//     optim.lr: [0.1, 0.2]
//   random:                     # n seeded draws (one axis; see randomAxis.ts)
//     n: 4
//     optim.lr: { loguniform: [0.05, 0.8] }
//   exclude: [ "agc.lambda = null and train.batch_size = 1024" ]   # drop points (see constraints.ts)
//   only: [ { agc.granularity: [unit, none] } ]                      # keep only points matching one entry
//   seeds: 3                    # replicate axis: a count (0..n-1) or a list of seeds
import { createHash } from "node:crypto";
import { configHash, differingKeys } from "../config/hash.js";
import {
  ConfigError,
  flatten,
  getDotted,
  isPlainObject,
  type Plain,
  parseSetOverride,
  resolveConfig,
  setDotted,
} from "../config/resolve.js";
import type { RunConfig } from "../config/schema.js";
import { readYamlFile } from "../config/yamlFile.js";
import { writeValue } from "../text/writtenForm.js";
import { admitted, type Constraint, parseConstraints } from "./constraints.js";
import { drawRandomAxis, parseRandomAxis, type RandomAxis } from "./randomAxis.js";

export const SWEEP_KEYS = [
  "name",
  "description",
  "grid",
  "zip",
  "random",
  "exclude",
  "only",
  "seeds",
  "slurm",
] as const;

export interface SweepSpec {
  name: string;
  description: string;
  base: Plain;
  grid: [string, unknown[]][];
  zip: [string, unknown[]][];
  random: RandomAxis | null;
  exclude: Constraint[];
  only: Constraint[];
  seeds: number[] | null;
  /** The `slurm:` section as written (validated by the Slurm executor, which alone reads it). */
  slurm: unknown;
}

export interface ExpandedRun {
  /** Position in the expansion (0-based). */
  index: number;
  /** The axis values that make this run differ from the base, dotted keys. */
  point: Record<string, unknown>;
  config: RunConfig;
  hash: string;
}

type Locate = (path: readonly (string | number)[]) => string | undefined;

function axisLists(raw: unknown, section: string, locate: Locate): [string, unknown[]][] {
  if (raw === undefined || raw === null) return [];
  if (!isPlainObject(raw)) {
    throw new ConfigError(section, "must be a mapping of keys to lists of values", locate([section]));
  }
  const out: [string, unknown[]][] = [];
  for (const [key, values] of flatten(raw)) {
    if (!Array.isArray(values) || values.length === 0) {
      throw new ConfigError(`${section}.${key}`, "must be a non-empty list of values", locate([section, key]));
    }
    out.push([key, values]);
  }
  return out;
}

/** Parses an already-loaded sweep document (YAML or JSON object). `locate` maps key paths to file positions. */
export function parseSweep(data: unknown, fallbackName: string, locate: Locate = () => undefined): SweepSpec {
  if (data === null || data === undefined) data = {};
  if (!isPlainObject(data)) throw new ConfigError("", "a sweep file must be a mapping at the top level", locate([]));
  const base: Plain = {};
  for (const [k, v] of Object.entries(data)) {
    if (!(SWEEP_KEYS as readonly string[]).includes(k)) base[k] = v;
  }
  const grid = axisLists(data.grid, "grid", locate);
  const zip = axisLists(data.zip, "zip", locate);
  const zipLen = zip[0]?.[1].length;
  for (const [key, values] of zip) {
    if (values.length !== zipLen) {
      throw new ConfigError(
        `zip.${key}`,
        `zip lists must have equal lengths (${zip[0]?.[0]} has ${zipLen}, ${key} has ${values.length})`,
        locate(["zip", key]),
      );
    }
  }
  let seeds: number[] | null = null;
  if (data.seeds !== undefined && data.seeds !== null) {
    const s = data.seeds;
    if (typeof s === "number" && Number.isInteger(s) && s >= 1) seeds = Array.from({ length: s }, (_, i) => i);
    else if (Array.isArray(s) && s.length > 0 && s.every((x) => Number.isInteger(x) && x >= 0)) seeds = s as number[];
    else throw new ConfigError("seeds", "must be a count ≥ 1 or a list of non-negative integers", locate(["seeds"]));
  }
  const name = data.name === undefined || data.name === null ? safeSweepName(fallbackName) : data.name;
  checkSweepName(name, locate(["name"]));
  const description = typeof data.description === "string" ? data.description : "";
  const random = parseRandomAxis(data.random, locate);
  const exclude = parseConstraints(data.exclude, "exclude", locate);
  const only = parseConstraints(data.only, "only", locate);
  return { name, description, base, grid, zip, random, exclude, only, seeds, slurm: data.slurm ?? null };
}

/** A sweep name is a file name under --out (figures, Slurm layouts): one plain path segment, ≤ 100 characters. */
export const SWEEP_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/**
 * Refuses a sweep name that is not one plain file name (SWEEP_NAME): a `/` would write into subdirectories
 * (or, with `..`, outside --out) and a long name fails only when the figure is written, after training.
 * @throws ConfigError naming `name` at `where`.
 */
export function checkSweepName(name: unknown, where?: string): asserts name is string {
  if (typeof name === "string" && SWEEP_NAME.test(name)) return;
  const why =
    typeof name !== "string"
      ? `must be a string (got ${JSON.stringify(name)})`
      : name.length > 100
        ? `is ${name.length} characters long; at most 100`
        : "must be one plain file name: letters, digits, '.', '_' or '-', not starting with '.', '_' or '-' " +
          `(got ${JSON.stringify(name)}); it names the sweep's files under --out`;
  throw new ConfigError("name", why, where);
}

/**
 * The fallback name from a file name, made into a valid sweep name (SWEEP_NAME). A name that is valid as it is stays
 * itself; any other is transliterated where it can be (é → e), its other characters made `-`, and given the first 8
 * hex digits of the SHA-256 of the raw name, so that two files never share a fallback name (and so their figures):
 * `λ-sweep` → `sweep-115bb427`, `` (a file named `.yaml`) → `sweep-e3b0c442`, `sweep` → `sweep`.
 */
export function safeSweepName(raw: string): string {
  if (SWEEP_NAME.test(raw)) return raw;
  const s = raw
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^A-Za-z0-9._-]+/g, "-")
    .replace(/^[._-]+/, "")
    .slice(0, 91)
    .replace(/[._-]+$/, "");
  return `${s || "sweep"}-${createHash("sha256").update(raw).digest("hex").slice(0, 8)}`;
}

function cartesian(axes: [string, unknown[]][]): Record<string, unknown>[] {
  let points: Record<string, unknown>[] = [{}];
  for (const [key, values] of axes) {
    points = points.flatMap((p) => values.map((v) => ({ ...p, [key]: v })));
  }
  return points;
}

/** A point of a sweep that is the same run as an earlier one: they differ only in keys that change nothing. */
export interface CollapsedPoint {
  point: Record<string, unknown>;
  /** Index of the run it is. */
  into: number;
  /** The keys whose values differ (inert or execution keys; see config/hash.ts), empty for an exact repeat. */
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

/** Which axis section of the sweep sweeps `key`, if any. */
function axisOf(spec: SweepSpec, key: string): "grid" | "zip" | "random" | "seeds" | null {
  if (spec.grid.some(([k]) => k === key)) return "grid";
  if (spec.zip.some(([k]) => k === key)) return "zip";
  if (spec.random?.params.some(([k]) => k === key)) return "random";
  if (key === "seed" && spec.seeds) return "seeds";
  return null;
}

/**
 * Expands a sweep into runs: grid × zip × random × seeds, each point merged over the base config (then `--set`
 * overrides), validated and hashed. Points with one identity (config/hash.ts) are one run: the first is kept and
 * the others are listed in `collapsed`. A run's `point` holds the values its config really has (after --set and
 * canonicalisation), so labels never show a value that did not run.
 * @throws ConfigError located at file:line:col (or `--set`) for a bad value, a `--set` of a swept key (it would
 *   replace every value of that axis) and `exclude` / `only` that leave no point.
 */
export function expandSweepPlan(spec: SweepSpec, sets: string[] = [], locate: Locate = () => undefined): Expansion {
  const overrides = sets.map(parseSetOverride);
  for (const [key] of overrides) {
    const axis = axisOf(spec, key);
    if (axis) {
      const where = locate(axis === "seeds" ? ["seeds"] : [axis, key]) ?? locate([axis]);
      throw new ConfigError(
        key,
        `is swept by the sweep's ${axis} axis${where ? ` (${where})` : ""}; --set would run every point at one ` +
          "value and label them with the axis values. Edit the axis (or add an `only:` entry) instead",
        "--set",
      );
    }
  }
  const zipPoints =
    spec.zip.length === 0
      ? [{}]
      : (spec.zip[0]?.[1] ?? []).map((_, i) => Object.fromEntries(spec.zip.map(([k, vs]) => [k, vs[i]])));
  const seedPoints = spec.seeds ? spec.seeds.map((s) => ({ seed: s })) : [{}];
  const randomPoints = spec.random ? drawRandomAxis(spec.random) : [{}];
  const points = cartesian(spec.grid).flatMap((g) =>
    zipPoints.flatMap((z) => randomPoints.flatMap((r) => seedPoints.map((s) => ({ ...g, ...z, ...r, ...s })))),
  );
  const runs: ExpandedRun[] = [];
  const collapsed: CollapsedPoint[] = [];
  let excluded = 0;
  const seen = new Map<string, ExpandedRun>();
  for (const written of points) {
    const merged: Plain = JSON.parse(JSON.stringify(spec.base));
    for (const [k, v] of Object.entries(written)) setDotted(merged, k, v);
    for (const [k, v] of overrides) setDotted(merged, k, v);
    let config: RunConfig;
    try {
      config = resolveConfig(merged);
    } catch (err) {
      if (err instanceof ConfigError && !err.where) {
        // A key given with --set is at fault there, not at the file's line that --set replaced.
        const setKey = err.keys.find((key) => overrides.some(([k]) => k === key || key.startsWith(`${k}.`)));
        if (setKey) throw err.blame(setKey).at("--set");
        // Otherwise the fault is where the key is written: an axis first, then the base config.
        const keys = err.keys.length ? err.keys : [err.key];
        for (const key of keys) {
          const axis = axisOf(spec, key);
          const where = axis ? locate(axis === "seeds" ? ["seeds"] : [axis, key]) : undefined;
          if (where) throw err.blame(key).at(where);
        }
        for (const key of keys) {
          const where = key in spec.base || hasDotted(spec.base, key) ? locate(key.split(".")) : undefined;
          if (where) throw err.blame(key).at(where);
        }
        const where = locate(err.key.split("."));
        throw where ? err.at(where) : err;
      }
      throw err;
    }
    if (!admitted(config, spec.exclude, spec.only)) {
      excluded++;
      continue;
    }
    // The point as it ran: --set and canonical forms (λ = null ⇒ granularity none) can change written values.
    const point = Object.fromEntries(Object.keys(written).map((k) => [k, getDotted(config, k) ?? null]));
    const hash = configHash(config);
    const first = seen.get(hash);
    if (first) {
      collapsed.push({ point, into: first.index, keys: differingKeys(first.config, config) });
      continue;
    }
    const run = { index: runs.length, point, config, hash };
    seen.set(hash, run);
    runs.push(run);
  }
  if (points.length > 0 && runs.length === 0) {
    const section = spec.exclude.length ? "exclude" : "only";
    throw new ConfigError(
      section,
      `leaves none of the sweep's ${points.length} points: nothing would run`,
      locate([section]) ?? undefined,
    );
  }
  return { runs, collapsed, excluded, points: points.length };
}

function hasDotted(obj: Plain, key: string): boolean {
  return flatten(obj).has(key);
}

/** The runs of a sweep (see expandSweepPlan). */
export function expandSweep(spec: SweepSpec, sets: string[] = [], locate: Locate = () => undefined): ExpandedRun[] {
  return expandSweepPlan(spec, sets, locate).runs;
}

/** One line per run that other points collapsed into: which points, and which keys made no difference. */
export function collapsedWarnings(expansion: Expansion): string[] {
  const groups = new Map<number, CollapsedPoint[]>();
  for (const c of expansion.collapsed) groups.set(c.into, [...(groups.get(c.into) ?? []), c]);
  return [...groups].map(([into, g]) => {
    const run = expansion.runs[into] as ExpandedRun;
    const keys = [...new Set(g.flatMap((c) => c.keys))];
    const pts = g.map((x) => pointLabel(x.point) || "(base)").join("; ");
    const why = keys.length
      ? `they differ from it only in ${keys.join(", ")}, which ${keys.length > 1 ? "do" : "does"} not change the ` +
        `run (${inertWhy(run.config, keys)})`
      : "the same values are written twice";
    const n = g.length;
    return `${n} point${n > 1 ? "s" : ""} (${pts}) ${n > 1 ? "are" : "is"} run #${into} (${pointLabel(run.point) || "(base)"}): ${why}`;
  });
}

function inertWhy(config: RunConfig, keys: readonly string[]): string {
  const reasons = new Set<string>();
  for (const k of keys) {
    if (k === "train.micro_batch") reasons.add("the micro-batch is an execution detail");
    else if (k === "train.epochs") reasons.add("train.steps is set");
    else if (k === "optim.sam_fraction") reasons.add("SAM is off");
    else if (k === "optim.nesterov") reasons.add("momentum is 0");
    else if (k.startsWith("data.")) reasons.add(`${config.data.name} does not read ${k}`);
    else if (k.startsWith("agc.")) {
      reasons.add(config.agc.lambda === null ? "clipping is off" : `${config.agc.granularity} clipping ignores ${k}`);
    } else reasons.add(`${k} is at its default`);
  }
  return [...reasons].join("; ");
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
  const data = y.data;
  const setsSomething = isPlainObject(data) && Object.keys(data).some((k) => k !== "name" && k !== "description");
  if (data === null || data === undefined || (isPlainObject(data) && !setsSomething)) {
    throw new ConfigError(
      "",
      "the file sets no config key and no axis; it would train every default (all of Fashion-MNIST). " +
        "Write the keys you mean (e.g. `model: { name: nf-resnet-micro }`)",
      y.locate([]),
    );
  }
  const spec = parseSweep(data, fallback ?? "sweep", y.locate);
  return { file, spec, ...fromExpansion(expandSweepPlan(spec, sets, y.locate)) };
}

/** A LoadedSweep's runs, collapsed points, exclusions and warnings from an expansion. */
export function fromExpansion(e: Expansion): Omit<LoadedSweep, "file" | "spec"> {
  return { runs: e.runs, collapsed: e.collapsed, excluded: e.excluded, warnings: collapsedWarnings(e) };
}
