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
  const f = (x: number) => (pct ? `${(x * 100).toFixed(2)}%` : x.toPrecision(4));
  return m.ci95 === null ? `${f(m.mean)} (n=${m.n})` : `${f(m.mean)} ± ${f(m.ci95)} (n=${m.n})`;
}
