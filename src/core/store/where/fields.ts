// What a field name in a filter, sort, column list or group-by means: a run field (RUN_FIELDS: a runs column, a
// summary metric in summary_json, an environment entry, the figures' top1), a config key (read from config_json),
// summary.X or env.X. One table, with each field's unit, serves the SQL compiler, in-memory evaluation and the
// tables that print the values, so `nfx runs --where`, `--columns`, `nfx plot` and sweep constraints agree.

import { getDotted } from "../../config/dotted.js";
import { CONFIG_KEYS } from "../../config/schema.js";
import { didYouMean } from "../../text/didYouMean.js";
import { EMPTY_LIST } from "../../text/writtenForm.js";
import type { StoredRun } from "../runStore.js";
import { outcomeTop1, outcomeTop1Sql } from "./outcome.js";

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

/**
 * What a field's values measure, and so how nfx writes them: `fraction` (a top-1: stored in [0, 1], printed as a
 * percentage, and compared with `35%` in --where), `loss` (four significant digits), `seconds`, `count`, `text`,
 * `config` (a config key, in its written form: null is "none").
 */
export type FieldUnit = "fraction" | "loss" | "seconds" | "count" | "text" | "config";

/** A field of a run that is no config key: its unit, what it is, and its value in a stored run. */
export interface RunField {
  unit: FieldUnit;
  doc: string;
  value: (r: StoredRun) => unknown;
  /** Its SQL over a runs row, when it is not a column of that name (no parameters). */
  sql?: string;
  /** Kept in summary_json (not a column of the runs table). */
  summary?: true;
}

/**
 * The run fields by name, the one table `--where`, `--sort`, `--columns`, `--group-by`, `--metrics` and `nfx plot`
 * read (config keys come from the config schema). Names are those of the runs table and summary_json.
 */
export const RUN_FIELDS: Readonly<Record<string, RunField>> = {
  id: { unit: "count", doc: "the run's id in the store", value: (r) => r.id },
  status: { unit: "text", doc: "pending, running, completed, diverged, collapsed, failed, …", value: (r) => r.status },
  config_hash: { unit: "text", doc: "the run's identity (config/hash.ts)", value: (r) => r.config_hash },
  error: { unit: "text", doc: "why the run failed or diverged", value: (r) => r.error },
  created_at: { unit: "text", doc: "when the run was first planned (ISO 8601)", value: (r) => r.created_at },
  started_at: { unit: "text", doc: "when its last attempt started", value: (r) => r.started_at },
  finished_at: { unit: "text", doc: "when it finished", value: (r) => r.finished_at },
  duration_s: { unit: "seconds", doc: "training time", value: (r) => r.duration_s },
  steps_total: { unit: "count", doc: "optimizer steps planned", value: (r) => r.steps_total },
  steps_done: { unit: "count", doc: "optimizer steps done", value: (r) => r.steps_done },
  attempts: { unit: "count", doc: "times a worker started the run", value: (r) => r.attempts },
  test_top1: {
    unit: "fraction",
    doc: "measured test top-1 (a diverged run has none)",
    value: (r) => r.summary?.test_top1 ?? null,
  },
  top1: {
    unit: "fraction",
    doc: "the figures' top-1: test_top1, a diverged run at chance level (where/outcome.ts)",
    value: outcomeTop1,
    sql: outcomeTop1Sql(),
  },
  final_loss: { unit: "loss", doc: "training loss of the last step", value: (r) => r.summary?.final_loss ?? null },
  steps: { unit: "count", doc: "steps trained", value: (r) => r.summary?.steps ?? null, summary: true },
  images_per_s: {
    unit: "count",
    doc: "training throughput",
    value: (r) => r.summary?.images_per_s ?? null,
    summary: true,
  },
  micro_batch: {
    unit: "count",
    doc: "examples per gradient pass",
    value: (r) => r.summary?.micro_batch ?? null,
    summary: true,
  },
  backend: { unit: "text", doc: "tfjs backend", value: (r) => r.environment?.backend ?? null },
  device: { unit: "text", doc: "device it ran on", value: (r) => r.environment?.device ?? null },
  host: { unit: "text", doc: "host it ran on", value: (r) => r.environment?.host ?? null },
  git_commit: { unit: "text", doc: "nfx's commit", value: (r) => r.environment?.git_commit ?? null },
  git_dirty: {
    unit: "count",
    doc: "1 when nfx's tree had changes",
    value: (r) => (r.environment?.git_dirty == null ? null : r.environment.git_dirty ? 1 : 0),
  },
  nfx_version: { unit: "text", doc: "nfx's version", value: (r) => r.environment?.nfx_version ?? null },
};

/** Other names of fields: short forms, and the names `nfx plot` rows use. */
const ALIASES: Record<string, string> = {
  hash: "config_hash",
  lambda: "agc.lambda",
  batch_size: "train.batch_size",
  run_id: "id",
};

function jsonPath(key: string): string {
  return `$.${key
    .split(".")
    .map((p) => `"${p}"`)
    .join(".")}`;
}

function toSqlValue(v: unknown): unknown {
  return typeof v === "boolean" ? (v ? 1 : 0) : v;
}

/** The field a name stands for once aliases are read (`lambda` → `agc.lambda`, `summary.test_top1` → `test_top1`). */
export function canonicalField(name: string): string {
  const summaryKey = name.startsWith("summary.") ? name.slice("summary.".length) : null;
  if (summaryKey && RUN_FIELDS[summaryKey]) return summaryKey;
  return ALIASES[name] ?? name;
}

/** The unit of field `name` (aliases read), or null for a name that is no field or of unknown unit (summary.X). */
export function fieldUnit(name: string): FieldUnit | null {
  const key = canonicalField(name);
  if (key in CONFIG_KEYS || key.startsWith("model.")) return "config";
  return RUN_FIELDS[key]?.unit ?? null;
}

/** Every name a user may write, for did-you-mean. */
export function knownFields(): string[] {
  return [...Object.keys(RUN_FIELDS), ...Object.keys(CONFIG_KEYS), ...Object.keys(ALIASES)];
}

export class UnknownFieldError extends Error {
  constructor(readonly field: string) {
    const hint = didYouMean(field, knownFields());
    super(
      `unknown field '${field}'${hint ? ` (did you mean '${hint}'?)` : ""}; fields are config keys (agc.lambda…), ` +
        "summary metrics (test_top1, top1, final_loss, images_per_s…), run columns (status, id…), summary.X and env.X",
    );
    this.name = "UnknownFieldError";
  }
}

/** Resolves a field name; throws UnknownFieldError with a did-you-mean. */
export function resolveField(raw: string): FieldRef {
  const name = canonicalField(raw);
  const field = RUN_FIELDS[name];
  if (field && !field.summary) {
    return { sql: field.sql ?? name, params: [], value: (r) => toSqlValue(field.value(r)) };
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
  const summaryKey = name.startsWith("summary.") ? name.slice("summary.".length) : field?.summary ? name : null;
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
