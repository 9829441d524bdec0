// `nfx export`: the selected runs as CSV, JSON (runs with their evals) or a lossless bundle.
import fs from "node:fs";
import { exportBundle } from "./bundle.js";
import { runsToCsv } from "./exportTable.js";
import { queryRuns } from "./runQuery.js";
import { RunStore } from "./runStore.js";

export type ExportFormat = "csv" | "json" | "bundle";

/** Writes to `out` (or returns the text when out is null, for csv and json). */
export function exportRuns(
  db: string,
  format: ExportFormat,
  where: string | undefined,
  out: string | null,
): { runs: number; text: string | null } {
  const store = RunStore.open(db, { readonly: true });
  try {
    const runs = queryRuns(store, { where });
    if (format === "bundle") {
      if (!out) throw new Error("a bundle needs an output file");
      exportBundle(store, runs, out);
      return { runs: runs.length, text: null };
    }
    const text =
      format === "csv"
        ? runsToCsv(runs)
        : `${JSON.stringify(
            runs.map((r) => ({ ...r, evals: store.evals(r.id) })),
            null,
            2,
          )}\n`;
    if (out === null) return { runs: runs.length, text };
    fs.writeFileSync(out, text);
    return { runs: runs.length, text: null };
  } finally {
    store.close();
  }
}
