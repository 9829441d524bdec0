// The tokens of the filter language (see ast.ts, parse.ts): quoted strings (a doubled quote escapes itself),
// numbers (a percentage `35%` is the number 0.35, flagged so the parser can check what it is compared with), dotted
// identifiers and operators, each with its 1-based column for error messages.
import { WhereError } from "./ast.js";

export type Token =
  | { t: "ident"; v: string; pos: number }
  | { t: "num"; v: number; pos: number; percent?: boolean }
  | { t: "str"; v: string; pos: number }
  | { t: "op"; v: string; pos: number }
  | { t: "end"; pos: number };

export const KEYWORDS = new Set(["and", "or", "not", "in", "is", "null", "true", "false", "like", "contains"]);

/** Reads the quoted string that opens at `i`; returns its text and the index after its closing quote. */
function readString(src: string, i: number, pos: number): { text: string; next: number } {
  const quote = src[i] as string;
  let s = "";
  let j = i + 1;
  for (;;) {
    if (j >= src.length) throw new WhereError(pos, "unterminated string");
    if (src[j] === quote) {
      if (src[j + 1] === quote) {
        s += quote;
        j += 2;
        continue;
      }
      return { text: s, next: j + 1 };
    }
    s += src[j];
    j++;
  }
}

/**
 * The number `text`% stands for: the decimal point moved two places, so `x%` is the double nearest the decimal
 * x/100 (`0.07%` → 0.0007, where 0.07 / 100 is 0.0007000000000000001 and would miss a stored 0.0007).
 */
function percentValue(text: string): number {
  const m = /^([-+]?(?:\d+\.?\d*|\.\d+))(?:[eE]([-+]?\d+))?$/.exec(text);
  return m ? Number(`${m[1]}e${Number(m[2] ?? 0) - 2}`) : Number(text) / 100;
}

export function tokenize(src: string): Token[] {
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
      const { text, next } = readString(src, i, pos);
      out.push({ t: "str", v: text, pos });
      i = next;
      continue;
    }
    const num = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?/.exec(src.slice(i));
    const prev = out[out.length - 1];
    const signAllowed = !prev || prev.t === "op" || (prev.t === "ident" && KEYWORDS.has(prev.v.toLowerCase()));
    if (num && (/[\d.]/.test(c) || signAllowed)) {
      const percent = src[i + num[0].length] === "%";
      const v = percent ? percentValue(num[0]) : Number(num[0]);
      out.push({ t: "num", v, pos, ...(percent ? { percent } : {}) });
      i += num[0].length + (percent ? 1 : 0);
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
