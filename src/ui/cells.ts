// Turning stored values into table cells. A config value is written in nfx's one written form (core/text/
// writtenForm: null is "none", as the dry run, --where and legends write it: `agc.lambda = none` is no clipping);
// a measurement a run lacks (no test top-1, no duration) is "—".
import type { MeanCi } from "../core/store/groupRuns.js";
import { fieldUnit } from "../core/store/where/index.js";
import { significant } from "../core/text/numbers.js";
import { writeList, writeValue } from "../core/text/writtenForm.js";

/** A stored value as a cell; null (a value the run lacks) is "—". */
export function cell(v: unknown): string {
  if (v === null || v === undefined) return "—";
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : significant(v);
  if (Array.isArray(v)) return writeList(v);
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

/** A config value as a cell, in the written form: null is "none". */
export function configCell(v: unknown): string {
  return v === null || v === undefined ? writeValue(v) : cell(v);
}

/**
 * The cell of field `name` in its unit (store/where/fields.ts): a config key in the written form (configCell), a
 * fraction (a top-1) as a percentage, as every table prints it; any other field (a measurement, a column) by cell.
 */
export function fieldCell(name: string, v: unknown): string {
  const unit = fieldUnit(name);
  if (unit === "config") return configCell(v);
  if (unit === "fraction" && typeof v === "number") return percentText(v);
  return cell(v);
}

/** A fraction as a percentage with two decimals: 0.336 → "33.60%". */
function percentText(x: number): string {
  return `${(x * 100).toFixed(2)}%`;
}

/** "0.8123 ± 0.0100 (n=3)"; a fraction (a top-1, by the field's unit) prints as percentages. */
export function meanCiCell(name: string, m: MeanCi): string {
  if (m.mean === null) return "—";
  const pct = fieldUnit(name) === "fraction";
  // Four significant digits, whole numbers from 1000 up, never exponent notation (toPrecision wrote 16384 "1.638e+4").
  const num = (x: number) => (Math.abs(x) >= 1000 ? String(Math.round(x)) : significant(x));
  const f = (x: number) => (pct ? percentText(x) : num(x));
  return m.ci95 === null ? `${f(m.mean)} (n=${m.n})` : `${f(m.mean)} ± ${f(m.ci95)} (n=${m.n})`;
}
