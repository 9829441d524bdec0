// One config value against its rule (schema.ts `Rule`): a checker per kind of rule, each returning the value in
// its normal form (a list sorted and without repeats, a duration trimmed) or throwing a ConfigError that says what
// the key accepts.
import { didYouMean } from "../text/didYouMean.js";
import { EMPTY_LIST, normalizeListText } from "../text/writtenForm.js";
import { ConfigError, describeValue } from "./configError.js";
import { parseStepsOrDuration } from "./duration.js";
import type { ConfigValue, Rule } from "./schema.js";

type RuleOf<K extends Rule["kind"]> = Extract<Rule, { kind: K }>;

/** Throws the fault of `key`'s `value`: what the key accepts, and what was given. */
function failer(key: string, value: unknown): (what: string) => never {
  return (what) => {
    throw new ConfigError(key, `${what} (got ${describeValue(value)})`);
  };
}

/** Validates one value against its rule; returns the normalised value or throws ConfigError. */
export function checkValue(key: string, value: unknown, rule: Rule): ConfigValue {
  const fail = failer(key, value);
  switch (rule.kind) {
    case "number":
      return checkNumber(value, rule, fail);
    case "numberOrAuto":
      if (value === "auto") return "auto";
      return checkValue(key, value, { ...rule, kind: "number" });
    case "stepsOrDuration":
      return checkStepsOrDuration(value, fail);
    case "enum":
      return checkEnum(value, rule, fail);
    case "boolean":
      if (typeof value !== "boolean") return fail("must be true or false");
      return value;
    case "string":
      if (value === null && rule.nullable) return null;
      if (typeof value !== "string" || value.length === 0) return fail("must be a non-empty string");
      return value;
    case "stringList":
      return checkStringList(key, value, rule, fail);
  }
}

function checkNumber(value: unknown, rule: RuleOf<"number">, fail: (what: string) => never): number | null {
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
  if (rule.max !== undefined && (rule.exclusiveMax ? value >= rule.max : value > rule.max)) {
    fail(`must be ${rule.exclusiveMax ? "<" : "≤"} ${rule.max}`);
  }
  return value;
}

function checkStepsOrDuration(value: unknown, fail: (what: string) => never): ConfigValue {
  try {
    const every = parseStepsOrDuration(value);
    if (every === null) return null;
    return "steps" in every ? every.steps : (value as string).trim();
  } catch (err) {
    return fail((err as Error).message);
  }
}

function checkEnum(value: unknown, rule: RuleOf<"enum">, fail: (what: string) => never): string {
  if (typeof value !== "string" || !rule.values.includes(value)) {
    const hint = typeof value === "string" ? didYouMean(value, rule.values) : undefined;
    return fail(`must be one of ${rule.values.join(", ")}${hint ? `; did you mean '${hint}'?` : ""}`);
  }
  return value;
}

function checkStringList(
  key: string,
  value: unknown,
  rule: RuleOf<"stringList">,
  fail: (what: string) => never,
): string[] {
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
