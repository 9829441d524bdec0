// Evaluates a filter expression in memory against any value source, with the same meaning as the SQL compiled by
// toSql.ts: `= null` tests for null, an ordering comparison with null or between a number and a string is false,
// `like` uses SQL wildcards (% and _) case-insensitively. A list value (agc.exclude) reads as its written form
// ("classifier_weight,stem_conv"; "none" when empty, see core/text/writtenForm), and a string compared with a list
// field is read as a list (so 'stem_conv, classifier_weight' matches); `contains` tests one item of a list.
import { normalizeListText, writeList } from "../../text/writtenForm.js";
import type { Expr, Literal, Operand } from "./ast.js";
import { listKind } from "./fields.js";

export type FieldLookup = (name: string) => unknown;

function norm(v: unknown): unknown {
  if (typeof v === "boolean") return v ? 1 : 0;
  if (Array.isArray(v)) return writeList(v);
  return v === undefined ? null : v;
}

/** A literal as the field on the other side reads it: a string against a list field is normalized as a list. */
export function literalAgainst(v: Literal, other: Operand | null): Literal {
  if (typeof v !== "string" || other?.kind !== "field") return v;
  const kind = listKind(other.name);
  return kind ? normalizeListText(v, kind === "set") : v;
}

function value(o: Operand, other: Operand | null, lookup: FieldLookup): unknown {
  return norm(o.kind === "literal" ? literalAgainst(o.value, other) : lookup(o.name));
}

function likeToRegExp(pattern: string): RegExp {
  const body = pattern
    .replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
    .replace(/%/g, ".*")
    .replace(/_/g, ".");
  return new RegExp(`^${body}$`, "is");
}

export function evaluateWhere(e: Expr, lookup: FieldLookup): boolean {
  switch (e.kind) {
    case "and":
      return evaluateWhere(e.left, lookup) && evaluateWhere(e.right, lookup);
    case "or":
      return evaluateWhere(e.left, lookup) || evaluateWhere(e.right, lookup);
    case "not":
      return !evaluateWhere(e.expr, lookup);
    case "compare": {
      const a = value(e.left, e.right, lookup);
      const b = value(e.right, e.left, lookup);
      if (e.op === "=") return a === b;
      if (e.op === "!=") return a !== b;
      const comparable =
        (typeof a === "number" && typeof b === "number") || (typeof a === "string" && typeof b === "string");
      if (!comparable) return false;
      const [x, y] = [a as number | string, b as number | string];
      return e.op === "<" ? x < y : e.op === "<=" ? x <= y : e.op === ">" ? x > y : x >= y;
    }
    case "in": {
      const a = value(e.operand, null, lookup);
      const hit = e.values.some((v: Literal) => a === norm(literalAgainst(v, e.operand)));
      return e.negated ? !hit : hit;
    }
    case "isNull": {
      const isNull = value(e.operand, null, lookup) === null;
      return e.negated ? !isNull : isNull;
    }
    case "like": {
      const a = value(e.operand, null, lookup);
      const hit = typeof a === "string" && likeToRegExp(e.pattern).test(a);
      return e.negated ? !hit : hit;
    }
    case "contains": {
      const raw = e.operand.kind === "literal" ? e.operand.value : lookup(e.operand.name);
      const items = Array.isArray(raw) ? raw : raw === null || raw === undefined ? [] : [raw];
      const want = norm(e.value);
      const hit = items.some((item) => norm(item) === want);
      return e.negated ? !hit : hit;
    }
  }
}
