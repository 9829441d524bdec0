// Turning stored values into table cells. A config value is written in nfx's one written form (core/text/
// writtenForm: null is "none", as the dry run, --where and legends write it: `agc.lambda = none` is no clipping);
// a measurement a run lacks (no test top-1, no duration) is "—".
import { CONFIG_KEYS } from "../core/config/schema.js";
import type { MeanCi } from "../core/store/groupRuns.js";
import { canonicalField } from "../core/store/where/index.js";
import { writeList, writeValue } from "../core/text/writtenForm.js";

/** A stored value as a cell; null (a value the run lacks) is "—". */
export function cell(v: unknown): string {
  if (v === null || v === undefined) return "—";
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4)));
  if (Array.isArray(v)) return writeList(v);
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

/** A config value as a cell, in the written form: null is "none". */
export function configCell(v: unknown): string {
  return v === null || v === undefined ? writeValue(v) : cell(v);
}

/** Whether a field name (aliases read) is a config key. */
function isConfigField(name: string): boolean {
  const key = canonicalField(name);
  return key in CONFIG_KEYS || key.startsWith("model.");
}

/** The cell of field `name`: config keys by configCell, any other field (a measurement, a column) by cell. */
export function fieldCell(name: string, v: unknown): string {
  return isConfigField(name) ? configCell(v) : cell(v);
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
