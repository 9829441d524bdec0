// The `random` axis of a sweep file: n seeded draws from per-key distributions (one axis: the draws move together).
//   random:
//     n: 8
//     seed: 0                              # optional, default 0: the same file always draws the same points
//     agc.lambda: { loguniform: [0.001, 0.5] }
//     optim.lr: { uniform: [0.05, 0.4] }
//     train.batch_size: { choice: [64, 128, 256] }
//     train.steps: { randint: [100, 200] }   # inclusive

import { MAX_SEED, Rng } from "../base/random.js";
import { ConfigError } from "../config/configError.js";
import { isPlainObject } from "../config/dotted.js";
import type { Locate } from "../config/yamlFile.js";

export type Distribution =
  | { kind: "uniform" | "loguniform"; low: number; high: number }
  | { kind: "randint"; low: number; high: number }
  | { kind: "choice"; values: unknown[] };

export interface RandomAxis {
  n: number;
  seed: number;
  params: [string, Distribution][];
  /** Where each drawn key is written in the file (its path from the document's root), as parsed. */
  written?: Record<string, readonly string[]>;
}

export const DISTRIBUTIONS = ["uniform", "loguniform", "randint", "choice"] as const;

/** Six significant digits: draws print and hash readably, and differ far below any meaningful resolution. */
function round6(x: number): number {
  return Number(x.toPrecision(6));
}

function parseDistribution(key: string, raw: unknown, where: string | undefined): Distribution {
  const fail = (why: string): never => {
    throw new ConfigError(`random.${key}`, why, where);
  };
  if (!isPlainObject(raw) || Object.keys(raw).length !== 1) {
    return fail(`must be one distribution: { ${DISTRIBUTIONS.join(" | ")}: … }`);
  }
  const [kind, arg] = Object.entries(raw)[0] as [string, unknown];
  if (kind === "choice") {
    if (!Array.isArray(arg) || arg.length === 0) return fail("choice needs a non-empty list of values");
    return { kind, values: arg };
  }
  if (kind === "uniform" || kind === "loguniform" || kind === "randint") {
    if (!Array.isArray(arg) || arg.length !== 2 || !arg.every((v) => typeof v === "number" && Number.isFinite(v))) {
      return fail(`${kind} needs [low, high] (two numbers)`);
    }
    const [low, high] = arg as [number, number];
    if (!(low <= high)) fail(`${kind} needs low ≤ high (got [${low}, ${high}])`);
    if (kind === "loguniform" && low <= 0) fail(`loguniform needs low > 0 (got ${low})`);
    if (kind === "randint" && !(Number.isInteger(low) && Number.isInteger(high))) fail("randint needs integer bounds");
    return { kind, low, high };
  }
  const hint = DISTRIBUTIONS.find((d) => d.startsWith(kind.slice(0, 3)));
  return fail(`unknown distribution '${kind}'${hint ? ` (did you mean '${hint}'?)` : ""}`);
}

/** Parses the `random` section (distribution leaves may be written nested or with dotted keys). */
export function parseRandomAxis(raw: unknown, locate: Locate): RandomAxis | null {
  if (raw === undefined || raw === null) return null;
  if (!isPlainObject(raw))
    throw new ConfigError("random", "must be a mapping: n, seed and key: distribution", locate(["random"]));
  const n = raw.n;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1) {
    throw new ConfigError(
      "random.n",
      `must be an integer ≥ 1 (got ${JSON.stringify(n)})`,
      locate(["random", "n"]) ?? locate(["random"]),
    );
  }
  const seed = raw.seed ?? 0;
  if (typeof seed !== "number" || !Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) {
    throw new ConfigError("random.seed", `must be an integer in 0 … ${MAX_SEED}`, locate(["random", "seed"]));
  }
  const params: [string, Distribution][] = [];
  const written: Record<string, readonly string[]> = {};
  const walk = (obj: Record<string, unknown>, prefix: string, path: readonly string[]) => {
    for (const [k, v] of Object.entries(obj)) {
      if (!prefix && (k === "n" || k === "seed")) continue;
      const key = prefix ? `${prefix}.${k}` : k;
      const at = [...path, k];
      const isDist =
        isPlainObject(v) &&
        Object.keys(v).length === 1 &&
        (DISTRIBUTIONS as readonly string[]).includes(Object.keys(v)[0] as string);
      if (
        isPlainObject(v) &&
        !isDist &&
        Object.keys(v).length > 0 &&
        Object.keys(v).every((kk) => isPlainObject(v[kk]))
      ) {
        walk(v, key, at);
      } else {
        written[key] = at;
        params.push([key, parseDistribution(key, v, locate(at))]);
      }
    }
  };
  walk(raw, "", ["random"]);
  if (params.length === 0) throw new ConfigError("random", "names no key to draw", locate(["random"]));
  return { n, seed, params, written };
}

/** The n draws, each a point {key: value}. */
export function drawRandomAxis(axis: RandomAxis): Record<string, unknown>[] {
  const stream = new Rng(axis.seed);
  const next = () => stream.next();
  return Array.from({ length: axis.n }, () => {
    const point: Record<string, unknown> = {};
    for (const [key, d] of axis.params) {
      const u = next();
      switch (d.kind) {
        case "uniform":
          point[key] = round6(d.low + u * (d.high - d.low));
          break;
        case "loguniform":
          point[key] = round6(Math.exp(Math.log(d.low) + u * (Math.log(d.high) - Math.log(d.low))));
          break;
        case "randint":
          point[key] = d.low + Math.min(d.high - d.low, Math.floor(u * (d.high - d.low + 1)));
          break;
        case "choice":
          point[key] = d.values[Math.min(d.values.length - 1, Math.floor(u * d.values.length))];
          break;
      }
    }
    return point;
  });
}
