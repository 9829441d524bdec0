// Evaluates a filter expression in memory against any value source, with the same meaning as the SQL compiled by
// toSql.ts: `= null` tests for null, an ordering comparison with null or between a number and a string is false,
// `like` uses SQL wildcards (% and _) case-insensitively.
import type { Expr, Literal, Operand } from "./ast.js";

export type FieldLookup = (name: string) => unknown;

function norm(v: unknown): unknown {
  if (typeof v === "boolean") return v ? 1 : 0;
  return v === undefined ? null : v;
}

function value(o: Operand, lookup: FieldLookup): unknown {
  return norm(o.kind === "literal" ? o.value : lookup(o.name));
}

function equal(a: unknown, b: unknown): boolean {
  return a === b || (Array.isArray(a) && JSON.stringify(a) === JSON.stringify(b));
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
      const a = value(e.left, lookup);
      const b = value(e.right, lookup);
      if (e.op === "=") return equal(a, b);
      if (e.op === "!=") return !equal(a, b);
      const comparable =
        (typeof a === "number" && typeof b === "number") || (typeof a === "string" && typeof b === "string");
      if (!comparable) return false;
      const [x, y] = [a as number | string, b as number | string];
      return e.op === "<" ? x < y : e.op === "<=" ? x <= y : e.op === ">" ? x > y : x >= y;
    }
    case "in": {
      const a = value(e.operand, lookup);
      const hit = e.values.some((v: Literal) => equal(a, norm(v)));
      return e.negated ? !hit : hit;
    }
    case "isNull": {
      const isNull = value(e.operand, lookup) === null;
      return e.negated ? !isNull : isNull;
    }
    case "like": {
      const a = value(e.operand, lookup);
      const hit = typeof a === "string" && likeToRegExp(e.pattern).test(a);
      return e.negated ? !hit : hit;
    }
  }
}
