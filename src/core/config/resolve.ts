// Turning user input (a YAML object, after --set overrides) into a validated, fully defaulted RunConfig, in steps:
//   1. the schema's keys: each value given, or its default, checked against its rule (checkValue.ts);
//   2. the other keys: where the weights start (initFrom.ts), model options, or an unknown key (refused);
//      the faults of steps 1 and 2 are reported together (every typo of a file in one report);
//   3. the defaults that depend on the model (`auto`: modelDefaults.ts), then the training revision;
//   4. the SHA-256 of `model.init_from`'s file (initFrom.ts);
//   5. "no clipping" in its one spelling (inert.ts, writeNoClipping);
//   6. combinations that cannot run, refused (runnable.ts).
import { modelOptionFault } from "../models/resolve.js";
import { checkValue } from "./checkValue.js";
import { ConfigError, describeValue, FaultCollector } from "./configError.js";
import { flatten, isPlainObject, type Plain, setDotted } from "./dotted.js";
import { writeNoClipping } from "./inert.js";
import { INIT_KEY_CHECKS, resolveInitFrom } from "./initFrom.js";
import { resolveModelDefaults } from "./modelDefaults.js";
import { trainingRevisionFor } from "./revision.js";
import { checkRunnable } from "./runnable.js";
import { CONFIG_KEYS, type KeySpec, type RunConfig } from "./schema.js";
import { suggestKey } from "./suggestKey.js";

export interface ResolveOptions {
  /**
   * Names that are valid where the config is written but are no config keys (a sweep file's `grid`, `zip`, …):
   * candidates for an unknown key's did-you-mean, so that `grdi:` suggests `grid`.
   */
  alsoKnown?: readonly string[];
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

/**
 * Validates a (possibly partial, nested) config and fills in every default. Unknown keys are errors with a
 * did-you-mean. `model.*` keys other than `model.name` pass through for the model zoo to validate, except those
 * the dataset sets (DATASET_MODEL_KEYS).
 * @throws ConfigError naming the key at fault; every bad value and unknown key at once (ConfigError.more).
 */
export function resolveConfig(input: unknown, options: ResolveOptions = {}): RunConfig {
  if (input !== undefined && input !== null && !isPlainObject(input)) {
    throw new ConfigError("", `a config must be a mapping of keys to values (got ${describeValue(input)})`);
  }
  const given = flatten((input ?? {}) as Plain);
  const faults = new FaultCollector();
  const out = schemaValues(given, faults);
  otherKeys(given, out, faults, options.alsoKnown ?? []);
  faults.throwIfAny();
  const cfg = out as unknown as RunConfig;
  resolveModelDefaults(cfg);
  resolveRevision(cfg, given);
  resolveInitFrom(cfg);
  writeNoClipping(cfg);
  checkRunnable(cfg);
  return cfg;
}

/** Step 1: every schema key, as given or at its default, checked; a fault is collected and the key skipped. */
function schemaValues(given: Map<string, unknown>, faults: FaultCollector): Plain {
  const out: Plain = {};
  for (const [key, spec] of Object.entries(CONFIG_KEYS)) {
    const value = given.has(key) ? given.get(key) : structuredCopy(spec.default);
    faults.check(() => setDotted(out, key, checkKeyValue(key, value, spec)));
  }
  return out;
}

/**
 * checkValue, with what null means for a key that takes it: `agc.lambda: 0` is refused with "null means no
 * clipping", read from the key's doc in the schema (its one home), which writes it as "(null: no clipping".
 */
function checkKeyValue(key: string, value: unknown, spec: KeySpec): ReturnType<typeof checkValue> {
  try {
    return checkValue(key, value, spec.rule);
  } catch (err) {
    const meaning = /\(null: ([^;)]+)/.exec(spec.doc)?.[1];
    if (!(err instanceof ConfigError) || value === null || !meaning || !("nullable" in spec.rule)) throw err;
    if (!spec.rule.nullable) throw err;
    throw new ConfigError(key, `${err.reason}; null means ${meaning}`);
  }
}

/** Step 2: the keys the schema does not list, written into `out` or refused (each fault collected). */
function otherKeys(given: Map<string, unknown>, out: Plain, faults: FaultCollector, alsoKnown: readonly string[]) {
  for (const [key, value] of given) {
    if (key in CONFIG_KEYS) continue;
    faults.check(() => otherKey(key, value, out, alsoKnown));
  }
}

function otherKey(key: string, value: unknown, out: Plain, alsoKnown: readonly string[]): void {
  if (key in INIT_KEY_CHECKS) {
    setDotted(out, key, (INIT_KEY_CHECKS[key] as (v: unknown) => unknown)(value));
    return;
  }
  if (key.startsWith("model.")) {
    const fixed =
      DATASET_MODEL_KEYS[key.slice("model.".length).replace(/[_-]([a-z])/g, (_, c: string) => c.toUpperCase())];
    if (fixed) throw new ConfigError(key, `is set by the dataset (data.name), ${fixed}; a run cannot override it`);
    // An option name or value the model refuses, located here with the other faults of the file.
    const option = key.slice("model.".length);
    const fault = option.includes(".") || option === "forms" ? null : modelOptionFault(option, value);
    if (fault) throw new ConfigError(key, fault);
    setDotted(out, key, structuredCopy(value));
    return;
  }
  throw unknownKey(key, alsoKnown);
}

/**
 * The fault of an unknown key, with the key most likely meant (suggestKey). A key under a first part that names
 * nothing (`grdi.agc.lambda`, from `grdi: { agc.lambda: … }`) is blamed on that part: `grdi` is what is unknown.
 */
export function unknownKey(key: string, alsoKnown: readonly string[] = []): ConfigError {
  const head = key.split(".")[0] as string;
  const hint = suggestKey(key, alsoKnown);
  const blamed = hint !== undefined && alsoKnown.includes(hint) ? head : key;
  return new ConfigError(blamed, `unknown key${hint ? ` (did you mean '${hint}'?)` : ""}`);
}

/** Step 3: the training revision `cfg`'s model trains under; a given one must be it. */
function resolveRevision(cfg: RunConfig, given: Map<string, unknown>): void {
  const revision = trainingRevisionFor(cfg);
  if (given.has("revision") && cfg.revision !== revision) {
    throw new ConfigError(
      "revision",
      `this nfx trains ${cfg.model.name} under training revision ${revision}, not ${cfg.revision}; stored runs ` +
        "keep the revision they were trained under (leave the key out)",
    );
  }
  cfg.revision = revision;
}
