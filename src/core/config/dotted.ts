// Dotted keys: a nested config (`agc: { lambda: 0.01 }`) read and written as flat keys (`agc.lambda`), the way
// sweep axes, `--set`, `--where` and the run tables name them.
import { CONFIG_KEYS } from "./schema.js";

export type Plain = { [key: string]: unknown };

export function isPlainObject(v: unknown): v is Plain {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Sections whose nested keys are free-form and validated by their owner (models validates `model.*`). */
const OPEN_SECTIONS = ["model"];

/** Nested object → dotted keys. Arrays are leaves; keys under an open section are leaves one level down. */
export function flatten(obj: Plain, prefix = ""): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    const open = OPEN_SECTIONS.some((s) => prefix === s);
    if (isPlainObject(v) && !open && !(key in CONFIG_KEYS)) {
      for (const [kk, vv] of flatten(v, key)) out.set(kk, vv);
    } else {
      out.set(key, v);
    }
  }
  return out;
}

/** Whether `obj` writes dotted `key` (as a leaf of flatten). */
export function hasDotted(obj: Plain, key: string): boolean {
  return flatten(obj).has(key);
}

export function setDotted(obj: Plain, key: string, value: unknown): void {
  const parts = key.split(".");
  let cur: Plain = obj;
  for (const p of parts.slice(0, -1)) {
    const next = cur[p];
    if (!isPlainObject(next)) cur[p] = {};
    cur = cur[p] as Plain;
  }
  cur[parts[parts.length - 1] as string] = value;
}

export function getDotted(obj: unknown, key: string): unknown {
  let cur: unknown = obj;
  for (const p of key.split(".")) {
    if (!isPlainObject(cur)) return undefined;
    cur = cur[p];
  }
  return cur;
}
