// The top-1 a figure counts for a run (`top1`): a completed run's test top-1, a collapsed run's measured top-1
// (else chance), a diverged run at chance level — it stopped because its loss blew up, and leaving it out would hide
// exactly the instability the AGC figures are about. Here, in the store, so that `--where`, `--sort`, `--columns`
// and `nfx plot` read one definition (as a value, and as SQL over the runs table).

import { datasetFacts } from "../../data/datasets.js";
import { DATASET_NAMES } from "../../data/types.js";
import type { StoredRun } from "../runStore.js";

/** Chance-level top-1 of a run's dataset (1 / classes), or null when the class count is unknown. */
export function chanceTop1(run: StoredRun): number | null {
  const data = run.config.data as { name: string; num_classes?: unknown };
  const n = data.num_classes ?? datasetFacts(data.name)?.classes;
  return typeof n === "number" && n > 0 ? 1 / n : null;
}

/** The figures' top-1 of a run (see the header), else null (a run that did not finish). */
export function outcomeTop1(run: StoredRun): number | null {
  if (run.status === "completed") return run.summary?.test_top1 ?? null;
  if (run.status === "collapsed") return run.summary?.test_top1 ?? chanceTop1(run);
  if (run.status === "diverged") return chanceTop1(run);
  return null;
}

/** chanceTop1 as SQL over a runs row: 1 / `data.num_classes`, else the dataset's class count. */
function chanceSql(): string {
  const known = DATASET_NAMES.flatMap((name) => {
    const classes = datasetFacts(name)?.classes;
    return classes ? [`WHEN '${name}' THEN ${classes}`] : [];
  });
  return (
    "(1.0 / NULLIF(COALESCE(json_extract(config_json, '$.data.num_classes'), " +
    `CASE json_extract(config_json, '$.data.name') ${known.join(" ")} END), 0))`
  );
}

/** outcomeTop1 as SQL over a runs row (no parameters: every name in it is nfx's own). */
export function outcomeTop1Sql(): string {
  const chance = chanceSql();
  return (
    `(CASE status WHEN 'completed' THEN test_top1 WHEN 'collapsed' THEN COALESCE(test_top1, ${chance}) ` +
    `WHEN 'diverged' THEN ${chance} END)`
  );
}
