// The Runs view's data: the runs `nfx runs` lists (same query, same JSON), one page of them with chosen columns,
// and groups with mean ± 95% CI over seeds (the statistics of `nfx runs --group-by`, from core/store/groupRuns).
import { groupRuns, inertNote, seedPoolingKeys } from "../core/store/groupRuns.js";
import { notesOf } from "../core/store/runNotes.js";
import { compileWhere, fieldList, queryRuns, runColumns } from "../core/store/runQuery.js";
import { RUN_STATUSES, type RunStore } from "../core/store/runStore.js";
import { knownFields } from "../core/store/where/index.js";
import { type ApiRequest, HttpError, intParam, param, withStore } from "./request.js";

/** Columns the table shows until the user chooses others. */
export const DEFAULT_COLUMNS = [
  "model.name",
  "data.name",
  "optim.name",
  "agc.granularity",
  "agc.lambda",
  "train.batch_size",
  "seed",
  "steps_done",
  "test_top1",
  "final_loss",
];

/** The largest page the table asks for. */
const MAX_PAGE = 1000;

function statusParam(req: ApiRequest): string | undefined {
  const status = param(req, "status");
  if (status !== undefined && !(RUN_STATUSES as readonly string[]).includes(status))
    throw new HttpError(400, `status: '${status}' is not one of ${RUN_STATUSES.join(", ")}`);
  return status;
}

function query(req: ApiRequest, limit?: number) {
  const limitParam = param(req, "limit") === undefined ? undefined : intParam(req, "limit", 0);
  return {
    where: param(req, "where"),
    status: statusParam(req),
    sort: param(req, "sort"),
    limit: limit ?? (limitParam || undefined),
  };
}

/** GET /api/runs: exactly what `nfx runs [--where] [--status] [--sort] [--limit] [--columns] --json` prints. */
export function runsList(req: ApiRequest): unknown {
  return withStore(req.db, (store) => {
    const runs = queryRuns(store, query(req));
    const columns = fieldList(param(req, "columns"));
    return columns.length ? runColumns(runs, columns) : runs;
  });
}

/** How many runs the filter selects (the same compiled filter queryRuns uses). */
function countRuns(store: RunStore, where: string | undefined, status: string | undefined): number {
  const parts: string[] = [];
  const params: unknown[] = [];
  if (where?.trim()) {
    const w = compileWhere(where);
    parts.push(`(${w.sql})`);
    params.push(...w.params);
  }
  if (status) {
    parts.push("status = ?");
    params.push(status);
  }
  const sql = `SELECT count(*) AS n FROM runs${parts.length ? ` WHERE ${parts.join(" AND ")}` : ""}`;
  return store.read(() => (store.db.prepare(sql).get(...params) as { n: number }).n);
}

/**
 * GET /api/runs-page: one page of the table. Reads only the runs up to the page's end (queryRuns' limit), so the
 * first page of a large store costs a page, not the store.
 */
export function runsPage(req: ApiRequest): unknown {
  const offset = intParam(req, "offset", 0);
  const limit = Math.max(1, intParam(req, "limit", 50, MAX_PAGE));
  const columns = fieldList(param(req, "columns") ?? DEFAULT_COLUMNS.join(","));
  return withStore(req.db, (store) => {
    const q = query(req, offset + limit);
    const total = countRuns(store, q.where, q.status);
    const runs = queryRuns(store, q).slice(offset);
    const values = runColumns(runs, columns);
    const notes = notesOf(
      store,
      runs.map((r) => r.id),
    );
    return {
      total,
      offset,
      limit,
      columns,
      rows: runs.map((r, i) => ({
        id: r.id,
        config_hash: r.config_hash,
        status: r.status,
        tags: notes.get(r.id)?.tags ?? [],
        values: values[i],
      })),
    };
  });
}

/** GET /api/groups?by=…&metrics=…: what `nfx runs --group-by … --json` prints, with the keys it also split by. */
export function runGroups(req: ApiRequest): unknown {
  const by = fieldList(param(req, "by"));
  if (!by.length) throw new HttpError(400, "by: name at least one field to group by");
  const metrics = fieldList(param(req, "metrics") ?? "test_top1,final_loss");
  return withStore(req.db, (store) => {
    const runs = queryRuns(store, query(req));
    const groups = groupRuns(runs, by, metrics);
    return { by, also: seedPoolingKeys(runs, by), metrics, note: inertNote(groups), groups };
  });
}

/** GET /api/fields: every field name the filter, sort and columns understand (for the column chooser). */
export function fields(): unknown {
  return { fields: knownFields(), defaults: DEFAULT_COLUMNS, statuses: RUN_STATUSES };
}
