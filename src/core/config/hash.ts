// Content addressing: a run is identified by the hash of its canonical config (defaults filled, keys sorted).
import { createHash } from "node:crypto";
import type { RunConfig } from "./schema.js";

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (typeof v === "object" && v !== null) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = sortKeys((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}

/** JSON with object keys sorted at every level: equal configs give equal strings. */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(sortKeys(v));
}

/** 16 hex digits of SHA-256 over the canonical config. */
export function configHash(cfg: RunConfig): string {
  return createHash("sha256").update(canonicalJson(cfg)).digest("hex").slice(0, 16);
}
