// A small recursive-descent parser for the filter language (see ast.ts). Keywords are case-insensitive;
// strings take single or double quotes (a doubled quote escapes itself); field names are dotted identifiers.
import type { CompareOp, Expr, Literal, Operand } from "./ast.js";
import { WhereError } from "./ast.js";

type Token =
  | { t: "ident"; v: string; pos: number }
  | { t: "num"; v: number; pos: number }
  | { t: "str"; v: string; pos: number }
  | { t: "op"; v: string; pos: number }
  | { t: "end"; pos: number };

const KEYWORDS = new Set(["and", "or", "not", "in", "is", "null", "true", "false", "like", "contains"]);

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const pos = i + 1;
    if (c === "'" || c === '"') {
      let s = "";
      i++;
      for (;;) {
        if (i >= src.length) throw new WhereError(pos, "unterminated string");
        if (src[i] === c) {
          if (src[i + 1] === c) {
            s += c;
            i += 2;
            continue;
          }
          i++;
          break;
        }
        s += src[i];
        i++;
      }
      out.push({ t: "str", v: s, pos });
      continue;
    }
    const num = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?/.exec(src.slice(i));
    const prev = out[out.length - 1];
    const signAllowed = !prev || prev.t === "op" || (prev.t === "ident" && KEYWORDS.has(prev.v.toLowerCase()));
    if (num && (/[\d.]/.test(c) || signAllowed)) {
      out.push({ t: "num", v: Number(num[0]), pos });
      i += num[0].length;
      continue;
    }
    const ident = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(src.slice(i));
    if (ident) {
      out.push({ t: "ident", v: ident[0], pos });
      i += ident[0].length;
      continue;
    }
    const op = /^(<=|>=|!=|<>|==|=|<|>|\(|\)|,)/.exec(src.slice(i));
    if (op) {
      out.push({ t: "op", v: op[0], pos });
      i += op[0].length;
      continue;
    }
    throw new WhereError(pos, `unexpected character '${c}'`);
  }
  out.push({ t: "end", pos: src.length + 1 });
  return out;
}

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

/** Parses a filter expression; throws WhereError naming the column at fault. */
export function parseWhere(src: string): Expr {
  const toks = tokenize(src);
  let k = 0;
  const peek = () => toks[k] as Token;
  const isKw = (tok: Token, kw: string) => tok.t === "ident" && tok.v.toLowerCase() === kw;
  const acceptKw = (kw: string) => {
    if (isKw(peek(), kw)) {
      k++;
      return true;
    }
    return false;
  };
  const expectOp = (op: string) => {
    const tok = peek();
    if (tok.t !== "op" || tok.v !== op) throw new WhereError(tok.pos, `expected '${op}', found ${describe(tok)}`);
    k++;
  };

  const literal = (): Literal | undefined => {
    const tok = peek();
    if (tok.t === "num" || tok.t === "str") {
      k++;
      return tok.v;
    }
    if (tok.t === "ident") {
      const w = tok.v.toLowerCase();
      if (w === "null" || w === "none") {
        k++;
        return null;
      }
      if (w === "true" || w === "false") {
        k++;
        return w === "true";
      }
    }
    return undefined;
  };

  const operand = (): Operand => {
    const tok = peek();
    const lit = literal();
    if (lit !== undefined) return { kind: "literal", value: lit };
    if (tok.t === "ident" && !KEYWORDS.has(tok.v.toLowerCase())) {
      k++;
      return { kind: "field", name: tok.v };
    }
    throw new WhereError(tok.pos, `expected a field or a value, found ${describe(tok)}`);
  };

  const comparison = (): Expr => {
    const tok = peek();
    if (tok.t === "op" && tok.v === "(") {
      k++;
      const e = or();
      expectOp(")");
      return e;
    }
    const left = operand();
    const at = peek();
    if (isKw(at, "is")) {
      k++;
      const negated = acceptKw("not");
      if (!acceptKw("null")) throw new WhereError(peek().pos, `expected null after 'is', found ${describe(peek())}`);
      return { kind: "isNull", negated, operand: left };
    }
    const negated = acceptKw("not");
    if (acceptKw("in")) {
      expectOp("(");
      const values: Literal[] = [];
      for (;;) {
        const v = literal();
        if (v === undefined)
          throw new WhereError(peek().pos, `expected a value in the list, found ${describe(peek())}`);
        values.push(v);
        if (peek().t === "op" && (peek() as { v: string }).v === ",") {
          k++;
          continue;
        }
        break;
      }
      expectOp(")");
      return { kind: "in", negated, operand: left, values };
    }
    if (acceptKw("like")) {
      const p = peek();
      if (p.t !== "str") throw new WhereError(p.pos, `expected a quoted pattern after 'like', found ${describe(p)}`);
      k++;
      return { kind: "like", negated, operand: left, pattern: p.v };
    }
    if (acceptKw("contains")) {
      const v = literal();
      if (v === undefined)
        throw new WhereError(peek().pos, `expected a value after 'contains', found ${describe(peek())}`);
      return { kind: "contains", negated, operand: left, value: v };
    }
    if (negated)
      throw new WhereError(peek().pos, `expected 'in', 'like' or 'contains' after 'not', found ${describe(peek())}`);
    if (at.t === "op" && at.v in COMPARE) {
      k++;
      const right = operand();
      return { kind: "compare", op: COMPARE[at.v] as CompareOp, left, right };
    }
    throw new WhereError(
      at.pos,
      `expected a comparison (=, !=, <, <=, >, >=, in, like, contains, is null), found ${describe(at)}`,
    );
  };

  const not = (): Expr => (acceptKw("not") ? { kind: "not", expr: not() } : comparison());
  const and = (): Expr => {
    let e = not();
    while (acceptKw("and")) e = { kind: "and", left: e, right: not() };
    return e;
  };
  const or = (): Expr => {
    let e = and();
    while (acceptKw("or")) e = { kind: "or", left: e, right: and() };
    return e;
  };

  if (peek().t === "end") throw new WhereError(1, "empty expression");
  const e = or();
  if (peek().t !== "end") throw new WhereError(peek().pos, `unexpected ${describe(peek())}`);
  return e;
}
