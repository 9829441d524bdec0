// Turning stored values into table cells.
import type { MeanCi } from "../core/store/groupRuns.js";
import { writeList } from "../core/text/writtenForm.js";

export function cell(v: unknown): string {
  if (v === null || v === undefined) return "—";
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4)));
  if (Array.isArray(v)) return writeList(v);
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

/** "0.8123 ± 0.0100 (n=3)"; fractions named *top1* print as percentages. */
export function meanCiCell(name: string, m: MeanCi): string {
  if (m.mean === null) return "—";
  const pct = /top1/.test(name);
  // Four significant digits, whole numbers from 1000 up, never exponent notation (toPrecision wrote 16384 "1.638e+4").
  const num = (x: number) => (Math.abs(x) >= 1000 ? String(Math.round(x)) : String(Number(x.toPrecision(4))));
  const f = (x: number) => (pct ? `${(x * 100).toFixed(2)}%` : num(x));
  return m.ci95 === null ? `${f(m.mean)} (n=${m.n})` : `${f(m.mean)} ± ${f(m.ci95)} (n=${m.n})`;
}
