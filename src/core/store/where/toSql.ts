// Compiles a filter expression to an SQL condition over the runs table. Every value travels as a bound
// parameter; only field expressions from fields.ts (fixed strings) are spliced into the SQL text.
import type { Expr, Literal, Operand } from "./ast.js";
import { literalAgainst } from "./evaluate.js";
import { resolveField } from "./fields.js";

export interface SqlFragment {
  sql: string;
  params: unknown[];
}

function bind(v: Literal): unknown {
  return typeof v === "boolean" ? (v ? 1 : 0) : v;
}

/** An operand as SQL; a literal is read as the field on the other side reads it (a list field: written form). */
function operand(o: Operand, other: Operand | null = null): SqlFragment {
  if (o.kind === "literal") return { sql: "?", params: [bind(literalAgainst(o.value, other))] };
  const f = resolveField(o.name);
  return { sql: f.sql, params: [...f.params] };
}

const isNullLiteral = (o: Operand) => o.kind === "literal" && o.value === null;

export function whereToSql(e: Expr): SqlFragment {
  switch (e.kind) {
    case "and":
    case "or": {
      const l = whereToSql(e.left);
      const r = whereToSql(e.right);
      return { sql: `(${l.sql} ${e.kind.toUpperCase()} ${r.sql})`, params: [...l.params, ...r.params] };
    }
    case "not": {
      const x = whereToSql(e.expr);
      return { sql: `(NOT COALESCE(${x.sql}, 0))`, params: x.params };
    }
    case "compare": {
      // `= null` means "is null" here: users write `agc.lambda = null` for "no clipping".
      if ((e.op === "=" || e.op === "!=") && (isNullLiteral(e.left) || isNullLiteral(e.right))) {
        const side = operand(isNullLiteral(e.left) ? e.right : e.left);
        return { sql: `(${side.sql} IS ${e.op === "=" ? "" : "NOT "}NULL)`, params: side.params };
      }
      const l = operand(e.left, e.right);
      const r = operand(e.right, e.left);
      return {
        sql: `(${l.sql} ${e.op === "!=" ? "IS NOT" : e.op === "=" ? "IS" : e.op} ${r.sql})`,
        params: [...l.params, ...r.params],
      };
    }
    case "in": {
      const x = operand(e.operand);
      const vals = e.values.filter((v) => v !== null).map((v) => literalAgainst(v, e.operand));
      const parts: string[] = [];
      const params: unknown[] = [];
      if (vals.length) {
        parts.push(`${x.sql} IN (${vals.map(() => "?").join(", ")})`);
        params.push(...x.params, ...vals.map(bind));
      }
      if (vals.length !== e.values.length) {
        parts.push(`${x.sql} IS NULL`);
        params.push(...x.params);
      }
      const sql = `(${parts.join(" OR ")})`;
      return e.negated ? { sql: `(NOT COALESCE(${sql}, 0))`, params } : { sql, params };
    }
    case "isNull": {
      const x = operand(e.operand);
      return { sql: `(${x.sql} IS ${e.negated ? "NOT " : ""}NULL)`, params: x.params };
    }
    case "like": {
      const x = operand(e.operand);
      return { sql: `(${e.negated ? "NOT " : ""}COALESCE(${x.sql} LIKE ?, 0))`, params: [...x.params, e.pattern] };
    }
    case "contains": {
      const v = bind(e.value);
      const f = e.operand.kind === "field" ? resolveField(e.operand.name) : null;
      const sql = f?.each
        ? `EXISTS (SELECT 1 FROM ${f.each.sql} WHERE value = ?)`
        : `COALESCE(${operand(e.operand).sql} = ?, 0)`;
      const params = f?.each ? [...f.each.params, v] : [...operand(e.operand).params, v];
      return { sql: `(${e.negated ? "NOT " : ""}${sql})`, params };
    }
  }
}
