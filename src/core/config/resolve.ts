// Turning user input (YAML objects, --set overrides) into a validated, fully defaulted RunConfig.

import path from "node:path";
import { parse as parseYaml } from "yaml";
import { clippingOff } from "../agc/agc.js";
import { sha256File } from "../base/files.js";
import { datasetFacts } from "../data/datasets.js";
import { didYouMean } from "../text/didYouMean.js";
import { EMPTY_LIST, normalizeListText } from "../text/writtenForm.js";
import { parseStepsOrDuration } from "./duration.js";
import { trainingRevisionFor } from "./revision.js";
import { CONFIG_KEYS, type ConfigValue, type Rule, type RunConfig } from "./schema.js";

export { didYouMean };

/**
 * A config fault: `key` is the dotted path at fault; `where` is filled in by loaders that know the file.
 * `keys` lists every key the fault involves (a combination of values can be at fault); it starts with `key`.
 */
export class ConfigError extends Error {
  readonly keys: readonly string[];

  constructor(
    readonly key: string,
    readonly reason: string,
    readonly where?: string,
    keys?: readonly string[],
  ) {
    super(where ? `${where}: ${key ? `${key}: ` : ""}${reason}` : `${key ? `${key}: ` : ""}${reason}`);
    this.name = "ConfigError";
    this.keys = keys ?? (key ? [key] : []);
  }

  /** The same error, located in a file (`file:line:col`). */
  at(where: string): ConfigError {
    return new ConfigError(this.key, this.reason, where, this.keys);
  }

  /** The same error, blamed on another of its keys (the one a loader can locate). */
  blame(key: string): ConfigError {
    return new ConfigError(key, this.reason, this.where, [key, ...this.keys.filter((k) => k !== key)]);
  }
}

export type Plain = { [key: string]: unknown };

export function isPlainObject(v: unknown): v is Plain {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Sections whose nested keys are free-form and validated by their owner (models validates `model.*`). */
const OPEN_SECTIONS = ["model"];

/** Nested object → dotted keys. Arrays are leaves; keys under an open section are leaves one level down. */
export function flatten(obj: Plain, prefix = ""): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    const open = OPEN_SECTIONS.some((s) => prefix === s);
    if (isPlainObject(v) && !open && !(key in CONFIG_KEYS)) {
      for (const [kk, vv] of flatten(v, key)) out.set(kk, vv);
    } else {
      out.set(key, v);
    }
  }
  return out;
}

export function setDotted(obj: Plain, key: string, value: unknown): void {
  const parts = key.split(".");
  let cur: Plain = obj;
  for (const p of parts.slice(0, -1)) {
    const next = cur[p];
    if (!isPlainObject(next)) cur[p] = {};
    cur = cur[p] as Plain;
  }
  cur[parts[parts.length - 1] as string] = value;
}

export function getDotted(obj: unknown, key: string): unknown {
  let cur: unknown = obj;
  for (const p of key.split(".")) {
    if (!isPlainObject(cur)) return undefined;
    cur = cur[p];
  }
  return cur;
}

function describe(v: unknown): string {
  return JSON.stringify(v) ?? String(v);
}

/** Validates one value against its rule; returns the normalised value or throws ConfigError. */
export function checkValue(key: string, value: unknown, rule: Rule): ConfigValue {
  const fail = (what: string): never => {
    throw new ConfigError(key, `${what} (got ${describe(value)})`);
  };
  switch (rule.kind) {
    case "number": {
      if (value === null || value === "none" || value === "null") {
        return rule.nullable ? null : fail("must be a number");
      }
      if (typeof value !== "number" || !Number.isFinite(value)) return fail("must be a number");
      if (rule.integer && !Number.isInteger(value)) fail("must be an integer");
      if (rule.min !== undefined) {
        if (rule.exclusiveMin ? value <= rule.min : value < rule.min) {
          fail(`must be ${rule.exclusiveMin ? ">" : "≥"} ${rule.min}`);
        }
      }
      if (rule.max !== undefined && value > rule.max) fail(`must be ≤ ${rule.max}`);
      return value;
    }
    case "numberOrAuto":
      if (value === "auto") return "auto";
      return checkValue(key, value, { kind: "number", min: rule.min, integer: rule.integer });
    case "stepsOrDuration":
      try {
        const every = parseStepsOrDuration(value);
        if (every === null) return null;
        return "steps" in every ? every.steps : (value as string).trim();
      } catch (err) {
        return fail((err as Error).message);
      }
    case "enum":
      if (typeof value !== "string" || !rule.values.includes(value)) {
        const hint = typeof value === "string" ? didYouMean(value, rule.values) : undefined;
        return fail(`must be one of ${rule.values.join(", ")}${hint ? `; did you mean '${hint}'?` : ""}`);
      }
      return value;
    case "boolean":
      if (typeof value !== "boolean") return fail("must be true or false");
      return value;
    case "string":
      if (value === null && rule.nullable) return null;
      if (typeof value !== "string" || value.length === 0) return fail("must be a non-empty string");
      return value;
    case "stringList": {
      // A list is also accepted in the form nfx writes it (tables, the dry run, --where): items joined by ","
      // ("classifier_weight,stem_conv"), "none" for the empty list (text/writtenForm.ts).
      const list =
        typeof value === "string"
          ? normalizeListText(value, true)
              .split(",")
              .filter((s) => s !== EMPTY_LIST)
          : value;
      if (!Array.isArray(list) || !list.every((s) => typeof s === "string")) return fail("must be a list of strings");
      for (const item of list as string[]) {
        if (rule.values && !rule.values.includes(item)) {
          const hint = didYouMean(item, rule.values);
          throw new ConfigError(
            key,
            `unknown value '${item}'${hint ? ` (did you mean '${hint}'?)` : ""}; known: ${rule.values.join(", ")}`,
          );
        }
      }
      return [...new Set(list as string[])].sort();
    }
  }
}

function structuredCopy<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

/**
 * Model fields (models/spec.ts, camel case) that a run takes from its dataset, not from `model.*`: the trainer
 * builds the network for the dataset's image shape and class count. An override of one would change the run's
 * identity and its listing without changing what trains, so resolveConfig refuses it (snake and kebab case too).
 * They stay overridable where no dataset is involved (`nfx models`, counting). Value: what sets it.
 */
export const DATASET_MODEL_KEYS: Readonly<Record<string, string>> = {
  numClasses: "its class count",
  inChannels: "its image channels",
  trainPx: "its image size (data.image_size where the dataset reads it)",
  testPx: "its image size (data.image_size where the dataset reads it)",
};

const WEIGHT_NAME_SOURCES = ["nfx", "deepmind", "timm"];

/**
 * The run keys under `model.` that say where the weights start (not network options; models/resolve.ts
 * RUN_MODEL_KEYS): `model.init_from` a weights file (safetensors or npz, core/weights), `model.init_from_names`
 * its names' source (default: detected), `model.init_from_sha256` the file's SHA-256, filled in by resolveConfig.
 */
const INIT_KEY_CHECKS: Record<string, (v: unknown) => unknown> = {
  "model.init_from": (v) => {
    if (v === null) return null;
    if (typeof v !== "string" || v.length === 0) {
      throw new ConfigError("model.init_from", `must be the path of a weights file (got ${describe(v)})`);
    }
    return path.resolve(v);
  },
  "model.init_from_names": (v) => {
    if (v === null) return null;
    return checkValue("model.init_from_names", v, { kind: "enum", values: WEIGHT_NAME_SOURCES });
  },
  "model.init_from_sha256": (v) => {
    if (typeof v !== "string" || !/^[0-9a-f]{64}$/.test(v)) {
      throw new ConfigError("model.init_from_sha256", `must be a SHA-256 in hex (got ${describe(v)})`);
    }
    return v;
  },
};

/**
 * Records the SHA-256 of `model.init_from`'s file as `model.init_from_sha256` (the run's identity holds the
 * hash, not the path: config/hash.ts). A config that already has it (a stored one) is not re-read.
 * @throws ConfigError when the file cannot be read.
 */
function resolveInitFrom(cfg: RunConfig): void {
  const m = cfg.model as Record<string, unknown>;
  if (m.init_from === null) delete m.init_from;
  if (m.init_from_names === null) delete m.init_from_names;
  const file = m.init_from;
  if (typeof file !== "string") {
    for (const k of ["init_from_names", "init_from_sha256"]) {
      if (m[k] !== undefined) throw new ConfigError(`model.${k}`, "is set without model.init_from");
    }
    return;
  }
  if (typeof m.init_from_sha256 === "string") return;
  try {
    m.init_from_sha256 = sha256File(file);
  } catch (e) {
    throw new ConfigError(
      "model.init_from",
      `cannot read weights file ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
}

/**
 * Validates a (possibly partial, nested) config and fills in every default. Unknown keys are errors with a
 * did-you-mean. `model.*` keys other than `model.name` pass through for the model zoo to validate, except those
 * the dataset sets (DATASET_MODEL_KEYS).
 * @throws ConfigError naming the key at fault.
 */
export function resolveConfig(input: unknown): RunConfig {
  if (input !== undefined && input !== null && !isPlainObject(input)) {
    throw new ConfigError("", `a config must be a mapping of keys to values (got ${describe(input)})`);
  }
  const given = flatten((input ?? {}) as Plain);
  const out: Plain = {};
  for (const [key, spec] of Object.entries(CONFIG_KEYS)) {
    const value = given.has(key) ? given.get(key) : structuredCopy(spec.default);
    setDotted(out, key, checkValue(key, value, spec.rule));
  }
  for (const [key, value] of given) {
    if (key in CONFIG_KEYS) continue;
    if (key in INIT_KEY_CHECKS) {
      setDotted(out, key, (INIT_KEY_CHECKS[key] as (v: unknown) => unknown)(value));
      continue;
    }
    if (key.startsWith("model.")) {
      const fixed =
        DATASET_MODEL_KEYS[key.slice("model.".length).replace(/[_-]([a-z])/g, (_, c: string) => c.toUpperCase())];
      if (fixed) {
        throw new ConfigError(key, `is set by the dataset (data.name), ${fixed}; a run cannot override it`);
      }
      setDotted(out, key, structuredCopy(value));
      continue;
    }

    const hint = didYouMean(key, Object.keys(CONFIG_KEYS));
    throw new ConfigError(key, `unknown key${hint ? ` (did you mean '${hint}'?)` : ""}`);
  }
  const cfg = out as unknown as RunConfig;
  const revision = trainingRevisionFor(cfg.model);
  if (given.has("revision") && cfg.revision !== revision) {
    throw new ConfigError(
      "revision",
      `this nfx trains ${cfg.model.name} under training revision ${revision}, not ${cfg.revision}; stored runs ` +
        "keep the revision they were trained under (leave the key out)",
    );
  }
  cfg.revision = revision;
  resolveInitFrom(cfg);
  // "No clipping" has two spellings (granularity none, λ null); the canonical form has both, so that they hash alike.
  if (clippingOff(cfg.agc)) {
    cfg.agc.granularity = "none";
    cfg.agc.lambda = null;
  }
  checkRunnable(cfg);
  return cfg;
}

/**
 * The fault that keeps a run from making even one optimizer step on a training split of `trainSize` examples,
 * or null. Batches are whole (the last partial batch of an epoch is dropped), so a split smaller than one
 * logical batch gives epochs of zero steps.
 */
export function stepFault(cfg: RunConfig, trainSize: number, what: string): ConfigError | null {
  if (trainSize >= cfg.train.batch_size) return null;
  return new ConfigError(
    "train.batch_size",
    `train.batch_size ${cfg.train.batch_size} is larger than the training split (${what}: ${trainSize} examples), ` +
      "so no optimizer step can be made; lower train.batch_size or raise data.train_size",
    undefined,
    ["train.batch_size", "data.train_size"],
  );
}

/**
 * Combinations of valid values that cannot run, refused here so that `nfx run`, `nfx sweep` and its dry run
 * refuse them alike, before anything is trained: a training split smaller than one batch (no step), splits
 * larger than the dataset, a dataset that needs a path without one.
 * @throws ConfigError naming the keys at fault (`keys`).
 */
export function checkRunnable(cfg: RunConfig): void {
  const d = cfg.data;
  if (datasetFacts(d.name)?.readsPath && d.path === null) {
    throw new ConfigError("data.path", `dataset ${d.name} needs data.path (its directory)`, undefined, [
      "data.path",
      "data.name",
    ]);
  }
  const known = datasetFacts(d.name)?.splits ?? undefined;
  for (const [key, size, split] of [
    ["data.train_size", d.train_size, known?.train],
    ["data.test_size", d.test_size, known?.test],
  ] as const) {
    if (size !== null && split !== undefined && known?.fixed && size > split) {
      throw new ConfigError(key, `${size} exceeds the ${split} examples ${d.name} has in that split`, undefined, [
        key,
        "data.name",
      ]);
    }
  }
  const trainSize = d.train_size ?? known?.train;
  if (trainSize !== undefined) {
    const fault = stepFault(cfg, trainSize, d.train_size !== null ? "data.train_size" : `all of ${d.name}`);
    if (fault) throw fault;
  }
}

/**
 * Parses a `--set KEY=VALUE` override. The value is read as a YAML flow value, as it would be written in a config
 * file: numbers, booleans, null, lists (`[classifier_weight, stem_conv]`), anything else a string (so `none` is the
 * text none: the granularity `none`, the empty list for a list key, and null for a nullable number key, exactly as
 * in a file: checkValue decides). A list key also takes nfx's written form, `classifier_weight,stem_conv`.
 */
export function parseSetOverride(text: string): [string, unknown] {
  const eq = text.indexOf("=");
  if (eq <= 0) throw new ConfigError("", `--set expects KEY=VALUE (got '${text}')`);
  const key = text.slice(0, eq).trim();
  const raw = text.slice(eq + 1).trim();
  let value: unknown = raw;
  try {
    value = parseYaml(raw);
  } catch {
    value = raw;
  }
  if (!(key in CONFIG_KEYS) && !key.startsWith("model.")) {
    const hint = didYouMean(key, Object.keys(CONFIG_KEYS));
    throw new ConfigError(key, `unknown key in --set${hint ? ` (did you mean '${hint}'?)` : ""}`);
  }
  return [key, value];
}
