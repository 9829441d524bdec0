// Sweep files: a base config plus axes, parsed and checked into a SweepSpec (expansion into runs: expand.ts).
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
//   early_stops: [ { where: …, step: 8, source: "pilots" } ]      # for the cost estimate only (earlyStops.ts)
// One key is set by one axis: a key in two axes (or twice in one section) is refused (sweptKeys.ts); an axis
// may sweep a key the base config sets (the axis's value replaces the base's for each point).

import { sha256Hex } from "../base/files.js";
import { ConfigError, FaultCollector } from "../config/configError.js";
import { isPlainObject, type Plain } from "../config/dotted.js";
import type { Locate } from "../config/yamlFile.js";
import { type Constraint, parseConstraints } from "./constraints.js";
import { type EarlyStopHint, parseEarlyStops } from "./earlyStops.js";
import { parseRandomAxis, type RandomAxis } from "./randomAxis.js";
import { type KeySite, refuseSharedKeys, writtenKeys } from "./sweptKeys.js";

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
  "early_stops",
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
  /** Runs expected to stop early, for the cost estimate (earlyStops.ts); never changes what is trained. */
  earlyStops: EarlyStopHint[];
  /** The `slurm:` section as written (validated by the Slurm executor, which alone reads it). */
  slurm: unknown;
}

function axisLists(raw: unknown, section: "grid" | "zip", locate: Locate): [string, unknown[]][] {
  if (raw === undefined || raw === null) return [];
  if (!isPlainObject(raw)) {
    throw new ConfigError(section, "must be a mapping of keys to lists of values", locate([section]));
  }
  const faults = new FaultCollector();
  const out: [string, unknown[]][] = [];
  for (const site of writtenKeys(raw, section, [section])) {
    const values = site.path.slice(1).reduce<unknown>((node, k) => (node as Plain)[k], raw);
    faults.check(() => {
      if (!Array.isArray(values) || values.length === 0) {
        throw new ConfigError(`${section}.${site.key}`, "must be a non-empty list of values", locate(site.path));
      }
      out.push([site.key, values]);
    });
  }
  faults.throwIfAny();
  return out;
}

/** The zip section: lists of one length (they move together). */
function zipLists(raw: unknown, locate: Locate): [string, unknown[]][] {
  const zip = axisLists(raw, "zip", locate);
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
  return zip;
}

/** The seeds section: a count n (seeds 0..n-1) or a list of seeds. */
function parseSeeds(s: unknown, locate: Locate): number[] | null {
  if (s === undefined || s === null) return null;
  if (typeof s === "number" && Number.isInteger(s) && s >= 1) return Array.from({ length: s }, (_, i) => i);
  if (Array.isArray(s) && s.length > 0 && s.every((x) => Number.isInteger(x) && x >= 0)) return s as number[];
  throw new ConfigError("seeds", "must be a count ≥ 1 or a list of non-negative integers", locate(["seeds"]));
}

/** Every place the file writes a config key: the base config's keys and each axis's (sweptKeys.ts). */
function keySites(data: Plain, base: Plain, random: RandomAxis | null): KeySite[] {
  const randomSites: KeySite[] = Object.entries(random?.written ?? {}).map(([key, path]) => ({
    section: "random",
    key,
    path,
  }));
  const seedSite: KeySite[] =
    data.seeds === undefined || data.seeds === null ? [] : [{ section: "seeds", key: "seed", path: ["seeds"] }];
  return [
    ...writtenKeys(base, "base", []),
    ...writtenKeys(data.grid, "grid", ["grid"]),
    ...writtenKeys(data.zip, "zip", ["zip"]),
    ...randomSites,
    ...seedSite,
  ];
}

/**
 * Parses an already-loaded sweep document (YAML or JSON object). `locate` maps key paths to file positions.
 * @throws ConfigError with every fault of the file's sections at once (ConfigError.more), each located.
 */
export function parseSweep(data: unknown, fallbackName: string, locate: Locate = () => undefined): SweepSpec {
  if (data === null || data === undefined) data = {};
  if (!isPlainObject(data)) throw new ConfigError("", "a sweep file must be a mapping at the top level", locate([]));
  const base: Plain = {};
  for (const [k, v] of Object.entries(data)) {
    if (!(SWEEP_KEYS as readonly string[]).includes(k)) base[k] = v;
  }
  const faults = new FaultCollector();
  const grid = faults.check(() => axisLists(data.grid, "grid", locate)) ?? [];
  const zip = faults.check(() => zipLists(data.zip, locate)) ?? [];
  const seeds = faults.check(() => parseSeeds(data.seeds, locate)) ?? null;
  const name = data.name === undefined || data.name === null ? safeSweepName(fallbackName) : data.name;
  faults.check(() => checkSweepName(name, locate(["name"])));
  const description = typeof data.description === "string" ? data.description : "";
  const random = faults.check(() => parseRandomAxis(data.random, locate)) ?? null;
  const exclude = faults.check(() => parseConstraints(data.exclude, "exclude", locate)) ?? [];
  const only = faults.check(() => parseConstraints(data.only, "only", locate)) ?? [];
  const earlyStops = faults.check(() => parseEarlyStops(data.early_stops, locate)) ?? [];
  faults.check(() => refuseSharedKeys(keySites(data, base, random), locate));
  faults.throwIfAny();
  return {
    name: name as string,
    description,
    base,
    grid,
    zip,
    random,
    exclude,
    only,
    seeds,
    earlyStops,
    slurm: data.slurm ?? null,
  };
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
  return `${s || "sweep"}-${sha256Hex(raw).slice(0, 8)}`;
}

/** The axis sections of a sweep file. */
export type SweepAxis = "grid" | "zip" | "random" | "seeds";

/** Which axis section of the sweep sweeps `key`, if any. */
export function axisOf(spec: SweepSpec, key: string): SweepAxis | null {
  if (spec.grid.some(([k]) => k === key)) return "grid";
  if (spec.zip.some(([k]) => k === key)) return "zip";
  if (spec.random?.params.some(([k]) => k === key)) return "random";
  if (key === "seed" && spec.seeds) return "seeds";
  return null;
}

/** Where `axis` writes `key` (the `seeds:` line for the seed), or undefined. */
export function locateAxisKey(axis: SweepAxis, key: string, locate: Locate): string | undefined {
  return locate(axis === "seeds" ? ["seeds"] : [axis, key]);
}
