// `nfx runs` as a query: a filter expression, a sort order and columns, all by field name (see where/fields.ts),
// compiled to parameterized SQL over the runs table; then what `nfx runs` and `nfx runs show` read of the runs
// found (runColumns: their chosen fields; runDetail: one run with its records).
import { type CheckpointRow, checkpointRows } from "./checkpointRecords.js";
import type { RunStore, StoredRun } from "./runStore.js";
import { fieldsOf, parseWhere, resolveField, type SqlFragment, WhereError, whereToSql } from "./where/index.js";

export interface RunQuery {
  /** Filter expression, e.g. "agc.lambda <= 0.04 and train.batch_size in (256, 1024)". */
  where?: string;
  /** Only runs with this status (ANDed with `where`). */
  status?: string;
  /** Comma-separated fields; a leading '-' sorts descending. */
  sort?: string;
  limit?: number;
}

/** Splits "a, b,c" into field names. */
export function fieldList(text: string | undefined): string[] {
  return (text ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Compiles a filter; throws an Error whose message names --where and the column at fault. */
export function compileWhere(text: string): SqlFragment {
  try {
    const e = parseWhere(text);
    for (const f of fieldsOf(e)) resolveField(f);
    return whereToSql(e);
  } catch (err) {
    if (err instanceof WhereError) throw new Error(`--where: ${err.message} in "${text}"`);
    if (err instanceof Error) throw new Error(`--where: ${err.message}`);
    throw err;
  }
}

/**
 * Compiles `--sort` ("-test_top1,agc.lambda") to an ORDER BY list. A run without the value (a diverged run has no
 * final_loss or test_top1) sorts after every run with it in either direction: the best run is never pushed below
 * runs that lack the measure. Ties keep the store's order (id).
 */
export function compileSort(text: string): SqlFragment {
  const parts: string[] = [];
  const params: unknown[] = [];
  for (const item of fieldList(text)) {
    const desc = item.startsWith("-");
    const name = desc || item.startsWith("+") ? item.slice(1) : item;
    let f: ReturnType<typeof resolveField>;
    try {
      f = resolveField(name);
    } catch (err) {
      throw new Error(`--sort: ${(err as Error).message}`);
    }
    parts.push(`${f.sql} ${desc ? "DESC" : "ASC"} NULLS LAST`);
    params.push(...f.params);
  }
  parts.push("id ASC");
  return { sql: parts.join(", "), params };
}

export function queryRuns(store: RunStore, q: RunQuery): StoredRun[] {
  let where = q.where?.trim() ? compileWhere(q.where) : null;
  if (q.status) {
    where = where
      ? { sql: `(${where.sql} AND status = ?)`, params: [...where.params, q.status] }
      : { sql: "status = ?", params: [q.status] };
  }
  const order = compileSort(q.sort ?? "");
  return store.selectRuns(where, order, q.limit ?? null);
}

/** The chosen fields of each run, by name (as `nfx runs --columns` prints them with --json). */
export function runColumns(runs: readonly StoredRun[], columns: readonly string[]): Record<string, unknown>[] {
  const refs = columns.map((c) => [c, resolveField(c)] as const);
  return runs.map((r) => Object.fromEntries(refs.map(([c, ref]) => [c, ref.value(r)])));
}

/** One run with everything stored about it: what `nfx runs show` prints. */
export type RunDetail = StoredRun & {
  metrics: ReturnType<RunStore["metricNames"]>;
  evals: ReturnType<RunStore["evals"]>;
  artifacts: ReturnType<RunStore["artifacts"]>;
  checkpoints: CheckpointRow[];
};

/** The run `ref` names (an id or a prefix of its config hash) with its records, or null when there is none. */
export function runDetail(store: RunStore, ref: string): RunDetail | null {
  const run = store.getRun(ref);
  if (!run) return null;
  return {
    ...run,
    metrics: store.metricNames(run.id),
    evals: store.evals(run.id),
    artifacts: store.artifacts(run.id),
    checkpoints: checkpointRows(store, run.id),
  };
}
