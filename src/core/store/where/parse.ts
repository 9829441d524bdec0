// A small recursive-descent parser for the filter language (see ast.ts). Keywords are case-insensitive;
// strings take single or double quotes (a doubled quote escapes itself); field names are dotted identifiers. A
// number may be written as a percentage (`test_top1 > 35%` is `test_top1 > 0.35`), as tables print a top-1; it
// compares only with a field whose unit is a fraction (fields.ts), so `agc.lambda < 1%` is refused, not guessed.
import type { CompareOp, Expr, Literal, Operand } from "./ast.js";
import { WhereError } from "./ast.js";
import { fieldUnit } from "./fields.js";
import { KEYWORDS, type Token, tokenize } from "./tokenize.js";

const COMPARE: Record<string, CompareOp> = {
  "=": "=",
  "==": "=",
  "!=": "!=",
  "<>": "!=",
  "<": "<",
  "<=": "<=",
  ">": ">",
  ">=": ">=",
};

function describe(tok: Token): string {
  return tok.t === "end" ? "the end" : `'${tok.t === "str" ? tok.v : String(tok.v)}'`;
}

/**
 * One method per grammar rule, lowest precedence first:
 *   or         := and ("or" and)*
 *   and        := not ("and" not)*
 *   not        := "not" not | comparison
 *   comparison := "(" or ")" | operand tail
 *   tail       := "is" ["not"] "null" | ["not"] ("in" list | "like" string | "contains" literal) | op operand
 *   operand    := literal | field
 */
class Parser {
  private k = 0;

  constructor(private readonly toks: Token[]) {}

  /** The whole input: one `or` expression and nothing after it. */
  expression(): Expr {
    if (this.peek().t === "end") throw new WhereError(1, "empty expression");
    const e = this.or();
    if (this.peek().t !== "end") throw new WhereError(this.peek().pos, `unexpected ${describe(this.peek())}`);
    return e;
  }

  private peek(): Token {
    return this.toks[this.k] as Token;
  }

  private isKw(tok: Token, kw: string): boolean {
    return tok.t === "ident" && tok.v.toLowerCase() === kw;
  }

  private acceptKw(kw: string): boolean {
    if (this.isKw(this.peek(), kw)) {
      this.k++;
      return true;
    }
    return false;
  }

  private isOp(op: string): boolean {
    const tok = this.peek();
    return tok.t === "op" && tok.v === op;
  }

  private expectOp(op: string): void {
    const tok = this.peek();
    if (tok.t !== "op" || tok.v !== op) throw new WhereError(tok.pos, `expected '${op}', found ${describe(tok)}`);
    this.k++;
  }

  private or(): Expr {
    let e = this.and();
    while (this.acceptKw("or")) e = { kind: "or", left: e, right: this.and() };
    return e;
  }

  private and(): Expr {
    let e = this.not();
    while (this.acceptKw("and")) e = { kind: "and", left: e, right: this.not() };
    return e;
  }

  private not(): Expr {
    return this.acceptKw("not") ? { kind: "not", expr: this.not() } : this.comparison();
  }

  private comparison(): Expr {
    if (this.isOp("(")) {
      this.k++;
      const e = this.or();
      this.expectOp(")");
      return e;
    }
    const leftTok = this.peek();
    const left = this.operand();
    const expr = this.afterOperand(left);
    if (expr.kind === "compare") this.checkPercent(leftTok, expr.right);
    return expr;
  }

  /** What follows an operand: `is null`, `in`, `like`, `contains` or a comparison. */
  private afterOperand(left: Operand): Expr {
    if (this.acceptKw("is")) return this.isNull(left);
    const negated = this.acceptKw("not");
    if (this.acceptKw("in")) return { kind: "in", negated, operand: left, values: this.list(left) };
    if (this.acceptKw("like")) return { kind: "like", negated, operand: left, pattern: this.pattern() };
    if (this.acceptKw("contains")) return { kind: "contains", negated, operand: left, value: this.containsValue() };
    if (negated) {
      throw new WhereError(
        this.peek().pos,
        `expected 'in', 'like' or 'contains' after 'not', found ${describe(this.peek())}`,
      );
    }
    return this.compare(left);
  }

  /** After "is": ["not"] "null". */
  private isNull(operand: Operand): Expr {
    const negated = this.acceptKw("not");
    if (!this.acceptKw("null"))
      throw new WhereError(this.peek().pos, `expected null after 'is', found ${describe(this.peek())}`);
    return { kind: "isNull", negated, operand };
  }

  /** After "in": "(" literal ("," literal)* ")". */
  private list(operand: Operand): Literal[] {
    this.expectOp("(");
    const values: Literal[] = [];
    for (;;) {
      this.checkPercent(this.peek(), operand);
      const v = this.literal();
      if (v === undefined)
        throw new WhereError(this.peek().pos, `expected a value in the list, found ${describe(this.peek())}`);
      values.push(v);
      if (this.isOp(",")) {
        this.k++;
        continue;
      }
      break;
    }
    this.expectOp(")");
    return values;
  }

  /** After "like": a quoted pattern. */
  private pattern(): string {
    const p = this.peek();
    if (p.t !== "str") throw new WhereError(p.pos, `expected a quoted pattern after 'like', found ${describe(p)}`);
    this.k++;
    return p.v;
  }

  /** After "contains": a literal. */
  private containsValue(): Literal {
    const v = this.literal();
    if (v === undefined)
      throw new WhereError(this.peek().pos, `expected a value after 'contains', found ${describe(this.peek())}`);
    return v;
  }

  /** A comparison operator and its right-hand operand. */
  private compare(left: Operand): Expr {
    const at = this.peek();
    if (at.t === "op" && at.v in COMPARE) {
      this.k++;
      const rightTok = this.peek();
      const right = this.operand();
      this.checkPercent(rightTok, left);
      return { kind: "compare", op: COMPARE[at.v] as CompareOp, left, right };
    }
    throw new WhereError(
      at.pos,
      `expected a comparison (=, !=, <, <=, >, >=, in, like, contains, is null), found ${describe(at)}`,
    );
  }

  /** A percentage `tok` faces `other`: refused unless `other` is a fraction (a top-1) or of unknown unit. */
  private checkPercent(tok: Token, other: Operand): void {
    if (tok.t !== "num" || !tok.percent || other.kind !== "field") return;
    const unit = fieldUnit(other.name);
    if (unit === null || unit === "fraction") return;
    throw new WhereError(
      tok.pos,
      `a percentage compares with a top-1 (test_top1, top1), not with ${other.name} (write it as a number)`,
    );
  }

  private operand(): Operand {
    const tok = this.peek();
    const lit = this.literal();
    if (lit !== undefined) return { kind: "literal", value: lit };
    if (tok.t === "ident" && !KEYWORDS.has(tok.v.toLowerCase())) {
      this.k++;
      return { kind: "field", name: tok.v };
    }
    throw new WhereError(tok.pos, `expected a field or a value, found ${describe(tok)}`);
  }

  /** A number, a string, null (or none), true or false; undefined (nothing consumed) when the token is none. */
  private literal(): Literal | undefined {
    const tok = this.peek();
    if (tok.t === "num" || tok.t === "str") {
      this.k++;
      return tok.v;
    }
    if (tok.t === "ident") {
      const w = tok.v.toLowerCase();
      if (w === "null" || w === "none") {
        this.k++;
        return null;
      }
      if (w === "true" || w === "false") {
        this.k++;
        return w === "true";
      }
    }
    return undefined;
  }
}

/** Parses a filter expression; throws WhereError naming the column at fault. */
export function parseWhere(src: string): Expr {
  return new Parser(tokenize(src)).expression();
}
