// What a figure's drawn runs all share that the reader would otherwise take for a finding: one batch size (the
// band and the dots then say nothing about batch size, whatever the figure's title promises) or one seed (no
// condition has an interval, and any difference may be seed noise). Said in the figure's subtitle.
import type { RunRow } from "../../core/plot/runRows.js";
import { BATCH, SEED } from "./arms.js";

function only(rows: readonly RunRow[], key: string): string | null {
  const values = [...new Set(rows.map((r) => r[key] ?? null))];
  return values.length === 1 && rows.length > 1 ? String(values[0]) : null;
}

/** Subtitle lines for a figure whose drawn runs are all at one batch size or one seed (none otherwise). */
export function conditionsNote(drawn: readonly RunRow[]): string[] {
  const batch = only(drawn, BATCH);
  const seed = only(drawn, SEED);
  return [
    ...(batch !== null ? [`all runs at batch size ${batch}: the figure shows no other batch size`] : []),
    ...(seed !== null ? [`all runs at seed ${seed}: no interval anywhere, and a difference may be seed noise`] : []),
  ];
}
