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
import { configHash } from "../config/hash.js";
import {
  ConfigError,
  flatten,
  isPlainObject,
  type Plain,
  parseSetOverride,
  resolveConfig,
  setDotted,
} from "../config/resolve.js";
import type { RunConfig } from "../config/schema.js";
import { readYamlFile } from "../config/yamlFile.js";
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
  const name = typeof data.name === "string" && data.name ? data.name : fallbackName;
  const description = typeof data.description === "string" ? data.description : "";
  const random = parseRandomAxis(data.random, locate);
  const exclude = parseConstraints(data.exclude, "exclude", locate);
  const only = parseConstraints(data.only, "only", locate);
  return { name, description, base, grid, zip, random, exclude, only, seeds, slurm: data.slurm ?? null };
}

function cartesian(axes: [string, unknown[]][]): Record<string, unknown>[] {
  let points: Record<string, unknown>[] = [{}];
  for (const [key, values] of axes) {
    points = points.flatMap((p) => values.map((v) => ({ ...p, [key]: v })));
  }
  return points;
}

/**
 * Expands a sweep into runs: grid × zip × seeds, each point merged over the base config (then `--set` overrides),
 * validated and hashed. Points that resolve to the same config appear once.
 */
export function expandSweep(spec: SweepSpec, sets: string[] = [], locate: Locate = () => undefined): ExpandedRun[] {
  const overrides = sets.map(parseSetOverride);
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
  const seen = new Set<string>();
  for (const point of points) {
    const merged: Plain = JSON.parse(JSON.stringify(spec.base));
    for (const [k, v] of Object.entries(point)) setDotted(merged, k, v);
    for (const [k, v] of overrides) setDotted(merged, k, v);
    let config: RunConfig;
    try {
      config = resolveConfig(merged);
    } catch (err) {
      if (err instanceof ConfigError && !err.where) {
        // A key given with --set is at fault there, not at the file's line that --set replaced.
        if (overrides.some(([k]) => k === err.key || err.key.startsWith(`${k}.`))) throw err.at("--set");
        const axis = spec.grid.some(([k]) => k === err.key)
          ? "grid"
          : spec.zip.some(([k]) => k === err.key)
            ? "zip"
            : spec.random?.params.some(([k]) => k === err.key)
              ? "random"
              : null;
        const where = axis ? locate([axis, err.key]) : locate(err.key.split("."));
        throw where ? err.at(where) : err;
      }
      throw err;
    }
    if (!admitted(config, spec.exclude, spec.only)) continue;
    const hash = configHash(config);
    if (seen.has(hash)) continue;
    seen.add(hash);
    runs.push({ index: runs.length, point, config, hash });
  }
  return runs;
}

export interface LoadedSweep {
  file: string;
  spec: SweepSpec;
  runs: ExpandedRun[];
}

/** Reads, parses and expands a sweep file; every fault names file:line:col. */
export function loadSweepFile(file: string, sets: string[] = []): LoadedSweep {
  const y = readYamlFile(file);
  const fallback = file
    .split("/")
    .pop()
    ?.replace(/\.(ya?ml|json)$/, "");
  const spec = parseSweep(y.data, fallback ?? "sweep", y.locate);
  const runs = expandSweep(spec, sets, y.locate);
  return { file, spec, runs };
}
