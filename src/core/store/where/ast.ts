// The filter language of `nfx runs --where` and of sweep `exclude`/`only` constraints, as a syntax tree.
//   agc.lambda <= 0.04 and train.batch_size in (256, 1024) or status = 'diverged'
// Precedence: or < and < not < comparison; parentheses group.
// A list value (agc.exclude) reads as its written form (core/text/writtenForm: "classifier_weight,stem_conv", "none"
// for an empty list), so `=`, `in` and `like` match what tables and legends show; `contains` tests one item.

export type Literal = number | string | boolean | null;

export type Operand = { kind: "field"; name: string } | { kind: "literal"; value: Literal };

export type CompareOp = "=" | "!=" | "<" | "<=" | ">" | ">=";

export type Expr =
  | { kind: "and" | "or"; left: Expr; right: Expr }
  | { kind: "not"; expr: Expr }
  | { kind: "compare"; op: CompareOp; left: Operand; right: Operand }
  | { kind: "in"; negated: boolean; operand: Operand; values: Literal[] }
  | { kind: "isNull"; negated: boolean; operand: Operand }
  | { kind: "like"; negated: boolean; operand: Operand; pattern: string }
  /** `agc.exclude contains 'stem_conv'`: the list holds the value (a single value: equals it). */
  | { kind: "contains"; negated: boolean; operand: Operand; value: Literal };

/** A fault in a filter expression, with the 1-based column it was found at. */
export class WhereError extends Error {
  constructor(
    readonly column: number,
    readonly reason: string,
  ) {
    super(`at column ${column}: ${reason}`);
    this.name = "WhereError";
  }
}

/** Field names an expression uses (to validate them before use). */
export function fieldsOf(e: Expr): string[] {
  const out: string[] = [];
  const op = (o: Operand) => {
    if (o.kind === "field") out.push(o.name);
  };
  const walk = (x: Expr): void => {
    switch (x.kind) {
      case "and":
      case "or":
        walk(x.left);
        walk(x.right);
        break;
      case "not":
        walk(x.expr);
        break;
      case "compare":
        op(x.left);
        op(x.right);
        break;
      default:
        op(x.operand);
    }
  };
  walk(e);
  return out;
}
