// Every config key with its default, allowed values and meaning, read from the schema (`nfx config`): the schema
// is the one place defaults live, and src/ is not in the published package.
import { OVERRIDE_KEYS } from "../models/resolve.js";
import { didYouMean } from "../text/didYouMean.js";
import { CONFIG_KEYS, type ConfigValue, type Rule } from "./schema.js";

export interface KeyDescription {
  /** Dotted key as written in a sweep file or `--set` (e.g. `agc.lambda`). */
  key: string;
  /** The default, as a run config holds it (null: none/off). */
  default: ConfigValue;
  /** What values the key accepts, in words (e.g. `number > 0, or null`). */
  accepts: string;
  /** What the key means (and the paper's value where it has one). */
  doc: string;
}

/** The values a rule accepts, in words: `integer ≥ 1, or null`, `one of unit, layer, global, none`. */
export function ruleText(rule: Rule): string {
  switch (rule.kind) {
    case "number": {
      const bounds: string[] = [];
      if (rule.min !== undefined) bounds.push(`${rule.exclusiveMin ? ">" : "≥"} ${rule.min}`);
      if (rule.max !== undefined) bounds.push(`${rule.exclusiveMax ? "<" : "≤"} ${rule.max}`);
      const base = `${rule.integer ? "integer" : "number"}${bounds.length ? ` ${bounds.join(", ")}` : ""}`;
      return rule.nullable ? `${base}, or null` : base;
    }
    case "enum":
      return `one of ${rule.values.join(", ")}`;
    case "boolean":
      return "true or false";
    case "string":
      return rule.nullable ? "text, or null" : "text";
    case "stringList":
      return `${rule.values ? `list of: ${rule.values.join(", ")}` : "list of text"} ([a, b], or a,b as tables write it; none: empty)`;
    case "numberOrAuto": {
      const number = ruleText({ ...rule, kind: "number", nullable: false });
      return `${number}${rule.nullable ? ", null" : ""}, or auto`;
    }
    case "stepsOrDuration":
      return "integer ≥ 1 (steps), a duration (30s, 10m, 2h), or 0 / null (never)";
  }
}

/** The model zoo's per-variant options, settable as `model.<option>` (validated by the models, not the schema). */
const MODEL_OPTIONS: KeyDescription = {
  key: "model.<option>",
  default: null,
  accepts: OVERRIDE_KEYS.join(", "),
  doc: "overrides one field of the variant's row (default: the variant's own value; see `nfx models`), e.g. model.widths: [16, 32, 64]",
};

/** Every config key, in schema order, then the model options. */
export function allKeys(): KeyDescription[] {
  return [
    ...Object.entries(CONFIG_KEYS).map(([key, spec]) => ({
      key,
      default: spec.default,
      accepts: ruleText(spec.rule),
      doc: spec.doc,
    })),
    MODEL_OPTIONS,
  ];
}

/**
 * The keys whose name contains `filter` (case-insensitive), or, when none does, whose meaning does; all keys
 * without a filter.
 * @throws Error naming the filter (with a did-you-mean) when nothing matches.
 */
export function describeKeys(filter?: string): KeyDescription[] {
  const keys = allKeys();
  if (filter === undefined || filter.trim() === "") return keys;
  const f = filter.trim().toLowerCase();
  const byName = keys.filter((k) => k.key.toLowerCase().includes(f));
  if (byName.length > 0) return byName;
  const byDoc = keys.filter((k) => k.doc.toLowerCase().includes(f));
  if (byDoc.length > 0) return byDoc;
  const hint = didYouMean(
    f,
    keys.flatMap((k) => [k.key, ...k.key.split(".")]),
  );
  throw new Error(
    `no config key matches '${filter}'${hint ? ` (did you mean '${hint}'?)` : ""}; \`nfx config\` lists all`,
  );
}
