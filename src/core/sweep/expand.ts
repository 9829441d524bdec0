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
import { clippingOff } from "../agc/agc.js";
import { ConfigError } from "../config/configError.js";
import { flatten, getDotted, isPlainObject, type Plain, setDotted } from "../config/dotted.js";
import { canonicalJson, configHash, differingKeys, stepsFromEpochs } from "../config/hash.js";
import { resolveConfig } from "../config/resolve.js";
import type { RunConfig } from "../config/schema.js";
import { parseSetOverride } from "../config/setOverride.js";
import { readYamlFile } from "../config/yamlFile.js";
import { datasetFacts } from "../data/datasets.js";
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
  const writtenOf: Record<string, unknown>[] = [];
  const admittedPoints: { written: Record<string, unknown>; hash: string; config: RunConfig }[] = [];
  for (const written of points as Record<string, unknown>[]) {
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
    admittedPoints.push({ written, hash, config });
    const first = seen.get(hash);
    if (first) {
      // Keys written differently count too: canonical forms (λ = null ⇔ granularity none) make them equal configs.
      const firstWritten = writtenOf[first.index] ?? {};
      const writtenKeys = Object.keys(written).filter(
        (k) => canonicalJson(written[k]) !== canonicalJson(firstWritten[k]),
      );
      const keys = [...new Set([...differingKeys(first.config, config), ...writtenKeys])];
      collapsed.push({ point: written, into: first.index, keys });
      continue;
    }
    const run = { index: runs.length, point, config, hash };
    seen.set(hash, run);
    runs.push(run);
    writtenOf.push(written);
  }
  checkLiveAxes(spec, overrides, admittedPoints, locate);
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
  const d = config.data;
  const known = datasetFacts(d.name)?.splits ?? undefined;
  const clipOff = clippingOff(config.agc);
  switch (key) {
    case "train.micro_batch":
      return { because: "the micro-batch is an execution detail", causes: [] };
    case "train.checkpoint_every":
    case "train.keep_checkpoints":
      return { because: "checkpointing is an execution detail", causes: [] };
    case "train.epochs":
      return config.train.steps !== null ? { because: "train.steps is set", causes: ["train.steps"] } : null;
    case "train.steps": {
      if (!known) return null;
      const n = stepsFromEpochs(config.train.epochs, config.train.batch_size, d.train_size ?? known.train);
      return { because: `train.epochs ${config.train.epochs} gives ${n} steps`, causes: [] };
    }
    case "data.train_size":
    case "data.test_size": {
      if (!known) return null;
      const split = key === "data.train_size" ? "training" : "test";
      const n = key === "data.train_size" ? known.train : known.test;
      return { because: `${n} is all of ${d.name}'s ${split} split`, causes: [] };
    }
    case "data.path":
    case "data.image_size":
      return { because: `data.name is ${d.name}, which does not read it`, causes: ["data.name"] };
    case "optim.sam_fraction":
      return config.optim.sam_rho === null
        ? { because: "optim.sam_rho is null (no SAM)", causes: ["optim.sam_rho"] }
        : null;
    case "optim.nesterov":
      return config.optim.momentum === 0 ? { because: "optim.momentum is 0", causes: ["optim.momentum"] } : null;
    case "agc.lambda":
      return clipOff ? { because: "agc.granularity is none", causes: ["agc.granularity"] } : null;
    case "agc.granularity":
      return clipOff ? { because: "agc.lambda is null", causes: ["agc.lambda"] } : null;
    case "agc.eps":
    case "agc.exclude":
      if (clipOff) return { because: "clipping is off", causes: ["agc.granularity", "agc.lambda"] };
      return config.agc.granularity === "global" && key === "agc.eps"
        ? { because: "global clipping ignores it", causes: ["agc.granularity"] }
        : null;
    default:
      return null;
  }
}

/**
 * Refuses an axis that changes no run at all: every set of points that differ only in it is one run, because of
 * another key (a --set, the base config or a one-valued axis: `agc.lambda: [0.01, 0.16]` under agc.granularity
 * none). Such a sweep would train fewer runs than it names and label them with values that did not run. An axis
 * whose values are merely spellings of one another (a size equal to the whole split) is reported as repeats
 * instead (collapsedWarnings).
 * @throws ConfigError at `--set` (naming the --set key) or at the axis's file:line:col.
 */
function checkLiveAxes(
  spec: SweepSpec,
  overrides: [string, unknown][],
  points: { written: Record<string, unknown>; hash: string; config: RunConfig }[],
  locate: Locate,
): void {
  const swept = [...spec.grid, ...spec.zip].map(([k]) => k).concat(spec.random?.params.map(([k]) => k) ?? []);
  for (const key of swept) {
    const groups = new Map<string, { values: Set<string>; hashes: Set<string> }>();
    for (const p of points) {
      const rest = canonicalJson(Object.fromEntries(Object.entries(p.written).filter(([k]) => k !== key)));
      const g = groups.get(rest) ?? { values: new Set<string>(), hashes: new Set<string>() };
      g.values.add(canonicalJson(p.written[key]));
      g.hashes.add(p.hash);
      groups.set(rest, g);
    }
    const varied = [...groups.values()].filter((g) => g.values.size > 1);
    if (varied.length === 0 || varied.some((g) => g.hashes.size > 1)) continue;
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
        if (a) return locate(a === "seeds" ? ["seeds"] : [a, c]);
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
    const why = keys.length ? inertWhy(run.config, keys) : "the same values are written twice";
    const n = g.length;
    return `${n} point${n > 1 ? "s" : ""} (${pts}) ${n > 1 ? "are" : "is"} run #${into} (${pointLabel(run.point) || "(base)"}): ${why}`;
  });
}

/** "K does not change the run because R" for each key (noChangeReason), joined by "; ". */
function inertWhy(config: RunConfig, keys: readonly string[]): string {
  return keys
    .map((k) => {
      const why = noChangeReason(config, k);
      return `${k} does not change the run${why ? ` because ${why.because}` : ""}`;
    })
    .join("; ");
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
