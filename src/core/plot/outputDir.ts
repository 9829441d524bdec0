// Where commands write what they draw when no --out is given: beside the store they read (`figures/` and `report/`
// in the directory of --db), not in whatever directory nfx happens to run from.
import fs from "node:fs";
import path from "node:path";

/** The store's default file name: its figures and report take the plain names (results/figures, results/report). */
const DEFAULT_STORE_NAME = "nfx.db";

/**
 * `explicit` when given, else `<directory of db>/<name>` for the default store name (results/nfx.db →
 * results/figures) and `<directory of db>/<store's name>-<name>` for any other (results/ablation.db →
 * results/ablation-figures), so that two stores in one directory never write over each other's figures or report.
 */
export function besideStore(db: string, name: string, explicit?: string): string {
  if (explicit) return explicit;
  const base = path.basename(db);
  if (base === DEFAULT_STORE_NAME) return path.join(path.dirname(db), name);
  const stem = base.replace(/\.(db|sqlite3?)$/i, "");
  return path.join(path.dirname(db), `${stem}-${name}`);
}

/** The figures directory of a store: `--out` when given, else `figures/` beside it (besideStore). */
export function figuresDirFor(db: string, explicit?: string): string {
  return besideStore(db, "figures", explicit);
}

/** The directory itself when it exists, else its nearest existing ancestor (what creating it would write into). */
function nearestExisting(dir: string): string {
  let cur = path.resolve(dir);
  while (!fs.existsSync(cur)) {
    const up = path.dirname(cur);
    if (up === cur) break;
    cur = up;
  }
  return cur;
}

/**
 * Checks, before anything is drawn or trained, that `dir` (from besideStore / figuresDirFor) can be created and
 * written; creates nothing. `explicit`: whether the user gave it (--out). `what`: what goes there ("figures").
 * @throws Error, one line: for the default directory, that the store's directory is not writable and to pass
 *   --out DIR; for --out, that DIR is not writable.
 */
export function checkWritableOut(dir: string, what: string, explicit: boolean): void {
  const target = nearestExisting(dir);
  let why: string | null = null;
  try {
    if (!fs.statSync(target).isDirectory()) why = `${target} is not a directory`;
    else fs.accessSync(target, fs.constants.W_OK);
  } catch (err) {
    why = `${target} is not writable for this user (${(err as NodeJS.ErrnoException).code ?? String(err)})`;
  }
  if (why === null) return;
  throw new Error(
    explicit
      ? `--out ${dir}: cannot write ${what} there: ${why}`
      : `cannot write ${what} beside the store (${dir}): ${why}; pass --out DIR to write them elsewhere`,
  );
}
