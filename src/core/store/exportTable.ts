// Runs as a flat table (one row per run, config keys as columns) for CSV, and as plain JSON objects.
import { flatten } from "../config/dotted.js";
import { writeList } from "../text/writtenForm.js";
import type { StoredRun } from "./runStore.js";

const LEAD = ["id", "config_hash", "status", "test_top1", "final_loss"];
const TAIL = [
  "steps_done",
  "steps_total",
  "attempts",
  "duration_s",
  "created_at",
  "started_at",
  "finished_at",
  "error",
];
const ENV = ["backend", "backend_version", "device", "host", "node_version", "nfx_version", "git_commit", "git_dirty"];

function flatRun(r: StoredRun): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: r.id,
    config_hash: r.config_hash,
    status: r.status,
    test_top1: r.summary?.test_top1 ?? null,
    final_loss: r.summary?.final_loss ?? null,
  };
  for (const [k, v] of flatten(r.config as unknown as Record<string, unknown>)) out[k] = v;
  for (const [k, v] of Object.entries(r.summary ?? {})) if (!(k in out)) out[`summary.${k}`] = v;
  for (const k of TAIL) out[k] = (r as unknown as Record<string, unknown>)[k];
  for (const k of ENV) out[k] = (r.environment as unknown as Record<string, unknown> | null)?.[k] ?? null;
  return out;
}

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return "";
  const s = Array.isArray(v) ? writeList(v) : typeof v === "object" ? JSON.stringify(v) : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function runsToCsv(runs: readonly StoredRun[]): string {
  const rows = runs.map(flatRun);
  const keys = new Set<string>(LEAD);
  const config = new Set<string>();
  for (const r of rows)
    for (const k of Object.keys(r)) if (!keys.has(k) && !TAIL.includes(k) && !ENV.includes(k)) config.add(k);
  const header = [...LEAD, ...[...config].sort(), ...TAIL, ...ENV];
  return `${[header.join(","), ...rows.map((r) => header.map((h) => csvCell(r[h])).join(","))].join("\n")}\n`;
}
