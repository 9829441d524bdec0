// Where commands write what they draw when no --out is given: beside the store they read (`figures/` and `report/`
// in the directory of --db), not in whatever directory nfx happens to run from.
import path from "node:path";

/** `explicit` when given, else `<directory of db>/<name>` (relative when db is: results/nfx.db → results/figures). */
export function besideStore(db: string, name: string, explicit?: string): string {
  if (explicit) return explicit;
  return path.join(path.dirname(db), name);
}

/** The figures directory of a store: `--out` when given, else `figures/` beside the store (results/figures). */
export function figuresDirFor(db: string, explicit?: string): string {
  return besideStore(db, "figures", explicit);
}
