// What a field name in a filter, sort, column list or group-by means: a runs column, a config key (read from
// config_json), a summary metric (summary_json) or an environment entry (env_json). One table serves both the
// SQL compiler and in-memory evaluation, so `nfx runs --where` and sweep constraints agree.

import { getDotted } from "../../config/dotted.js";
import { CONFIG_KEYS } from "../../config/schema.js";
import { didYouMean } from "../../text/didYouMean.js";
import { EMPTY_LIST } from "../../text/writtenForm.js";
import type { StoredRun } from "../runStore.js";

export interface FieldRef {
  /** SQL expression; `?` placeholders take `params`. */
  sql: string;
  params: string[];
  /** The field's value in a stored run (lists as arrays; the filter language reads them in their written form). */
  value(run: StoredRun): unknown;
  /** A JSON field: `json_each` over it (for `contains`), as SQL with `?` placeholders taking `params`. */
  each?: { sql: string; params: string[] };
}

/** "set" for a role list (stored sorted: the order the user writes does not matter), "list" for another list. */
export function listKind(name: string): "set" | "list" | null {
  const spec = CONFIG_KEYS[ALIASES[name] ?? name];
  if (spec?.rule.kind === "stringList") return "set";
  return Array.isArray(spec?.default) ? "list" : null;
}

/** Columns of the runs table that can be named directly. */
const COLUMNS: Record<string, (r: StoredRun) => unknown> = {
  id: (r) => r.id,
  status: (r) => r.status,
  config_hash: (r) => r.config_hash,
  error: (r) => r.error,
  created_at: (r) => r.created_at,
  started_at: (r) => r.started_at,
  finished_at: (r) => r.finished_at,
  duration_s: (r) => r.duration_s,
  steps_total: (r) => r.steps_total,
  steps_done: (r) => r.steps_done,
  attempts: (r) => r.attempts,
  test_top1: (r) => r.summary?.test_top1 ?? null,
  final_loss: (r) => r.summary?.final_loss ?? null,
  backend: (r) => r.environment?.backend ?? null,
  device: (r) => r.environment?.device ?? null,
  host: (r) => r.environment?.host ?? null,
  git_commit: (r) => r.environment?.git_commit ?? null,
  git_dirty: (r) => (r.environment?.git_dirty == null ? null : r.environment.git_dirty ? 1 : 0),
  nfx_version: (r) => r.environment?.nfx_version ?? null,
};

const ALIASES: Record<string, string> = { hash: "config_hash", lambda: "agc.lambda", batch_size: "train.batch_size" };

/** Summary metrics kept in summary_json besides the test_top1/final_loss columns. */
const SUMMARY_KEYS = ["steps", "images_per_s", "micro_batch"];

function jsonPath(key: string): string {
  return `$.${key
    .split(".")
    .map((p) => `"${p}"`)
    .join(".")}`;
}

function toSqlValue(v: unknown): unknown {
  return typeof v === "boolean" ? (v ? 1 : 0) : v;
}

/** The field a name stands for once aliases are read (`lambda` → `agc.lambda`). */
export function canonicalField(name: string): string {
  return ALIASES[name] ?? name;
}

/** Every name a user may write, for did-you-mean. */
export function knownFields(): string[] {
  return [...Object.keys(COLUMNS), ...Object.keys(CONFIG_KEYS), ...SUMMARY_KEYS, ...Object.keys(ALIASES)];
}

export class UnknownFieldError extends Error {
  constructor(readonly field: string) {
    const hint = didYouMean(field, knownFields());
    super(
      `unknown field '${field}'${hint ? ` (did you mean '${hint}'?)` : ""}; fields are config keys (agc.lambda…), ` +
        "summary metrics (test_top1, final_loss, images_per_s…), run columns (status, id…), summary.X and env.X",
    );
    this.name = "UnknownFieldError";
  }
}

/** Resolves a field name; throws UnknownFieldError with a did-you-mean. */
export function resolveField(raw: string): FieldRef {
  const name = ALIASES[raw] ?? raw;
  const col = COLUMNS[name];
  if (col) {
    const sql = name === "git_dirty" ? "git_dirty" : name;
    return { sql, params: [], value: (r) => toSqlValue(col(r)) };
  }
  if (name in CONFIG_KEYS || name.startsWith("model.")) {
    const p = jsonPath(name);
    // A list reads as its written form: items joined by "," in stored order, "none" when empty.
    return {
      sql:
        "(CASE json_type(config_json, ?) WHEN 'array' THEN COALESCE((SELECT group_concat(value, ',') FROM " +
        `json_each(config_json, ?)), '${EMPTY_LIST}') ELSE json_extract(config_json, ?) END)`,
      params: [p, p, p],
      value: (r) => toSqlValue(getDotted(r.config, name) ?? null),
      each: { sql: "json_each(config_json, ?)", params: [p] },
    };
  }
  const summaryKey = name.startsWith("summary.")
    ? name.slice("summary.".length)
    : SUMMARY_KEYS.includes(name)
      ? name
      : null;
  if (summaryKey) {
    return {
      sql: "json_extract(summary_json, ?)",
      params: [jsonPath(summaryKey)],
      value: (r) => toSqlValue(getDotted(r.summary, summaryKey) ?? null),
    };
  }
  if (name.startsWith("env.")) {
    const key = name.slice("env.".length);
    return {
      sql: "json_extract(env_json, ?)",
      params: [jsonPath(key)],
      value: (r) => toSqlValue(getDotted(r.environment, key) ?? getDotted(r.environment?.extra, key) ?? null),
    };
  }
  throw new UnknownFieldError(raw);
}
