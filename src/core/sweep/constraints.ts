// `exclude` and `only` in a sweep file: which expanded points to drop or keep. Each entry is either a mapping
// (every key must match; a list means any of its values) or a filter expression over config keys, the same
// language as `nfx runs --where`:
//   exclude:
//     - { agc.lambda: null, train.batch_size: 1024 }
//     - "agc.lambda > 0.1 and train.batch_size < 128"
//   only:
//     - "agc.granularity in ('unit', 'none')"
import { ConfigError } from "../config/configError.js";
import { flatten, getDotted, isPlainObject } from "../config/dotted.js";
import { CONFIG_KEYS, type RunConfig } from "../config/schema.js";
import type { Locate } from "../config/yamlFile.js";
import { type Expr, evaluateWhere, fieldsOf, type Literal, parseWhere, WhereError } from "../store/where/index.js";
import { didYouMean } from "../text/didYouMean.js";

export interface Constraint {
  /** As written, for messages and dry runs. */
  text: string;
  expr: Expr;
}

function checkKey(section: string, index: number, key: string, locate: Locate): void {
  if (key in CONFIG_KEYS || key.startsWith("model.")) return;
  const hint = didYouMean(key, Object.keys(CONFIG_KEYS));
  throw new ConfigError(
    `${section}[${index}]`,
    `unknown key '${key}'${hint ? ` (did you mean '${hint}'?)` : ""}`,
    locate([section, index]),
  );
}

function fromMapping(m: Record<string, unknown>): Expr {
  const terms: Expr[] = [...flatten(m)].map(([key, v]) => {
    const field = { kind: "field" as const, name: key };
    if (Array.isArray(v)) return { kind: "in" as const, negated: false, operand: field, values: v as Literal[] };
    return {
      kind: "compare" as const,
      op: "=" as const,
      left: field,
      right: { kind: "literal" as const, value: v as Literal },
    };
  });
  return terms.reduce((a, b) => ({ kind: "and", left: a, right: b }));
}

export function parseConstraints(raw: unknown, section: string, locate: Locate): Constraint[] {
  if (raw === undefined || raw === null) return [];
  const list = Array.isArray(raw) ? raw : [raw];
  return list.map((item, i) => {
    const where = locate([section, i]) ?? locate([section]);
    let expr: Expr;
    if (typeof item === "string") {
      try {
        expr = parseWhere(item);
      } catch (err) {
        if (err instanceof WhereError) throw new ConfigError(`${section}[${i}]`, err.message, where);
        throw err;
      }
    } else if (isPlainObject(item) && Object.keys(item).length > 0) {
      expr = fromMapping(item);
    } else {
      throw new ConfigError(`${section}[${i}]`, "must be a mapping of keys to values or a filter expression", where);
    }
    for (const key of fieldsOf(expr)) checkKey(section, i, key, locate);
    return { text: typeof item === "string" ? item : JSON.stringify(item), expr };
  });
}

export function matches(c: Constraint, config: RunConfig): boolean {
  return evaluateWhere(c.expr, (name) => getDotted(config, name) ?? null);
}

/** Whether a resolved config survives the sweep's constraints. */
export function admitted(config: RunConfig, exclude: readonly Constraint[], only: readonly Constraint[]): boolean {
  if (exclude.some((c) => matches(c, config))) return false;
  return only.length === 0 || only.some((c) => matches(c, config));
}
