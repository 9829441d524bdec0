// A run's status as `nfx runs` shows it: a collapsed run names the half of the collapse rule that judged it
// (core/train/outcome.ts writes it at the head of the run's reason), and a listing that holds one says how to train
// it again — a sweep never re-runs a collapsed run, which is a result (issue 27 item 20).
import type { StoredRun } from "../core/store/runStore.js";

/** `collapse rule "NAME": …`, the head of a collapsed run's recorded reason. */
const RULE = /^collapse rule "([^"]+)"/;

/** The status cell: `collapsed: NAME` for a collapsed run whose record names its rule, else the status. */
export function statusCell(run: StoredRun): string {
  const rule = run.status === "collapsed" ? RULE.exec(run.error ?? "")?.[1] : undefined;
  return rule ? `collapsed: ${rule}` : run.status;
}

/** The line under a listing with collapsed runs: where the reason is, and how to train them again; else null. */
export function collapsedNote(runs: readonly StoredRun[]): string | null {
  const ids = runs.filter((r) => r.status === "collapsed").map((r) => r.id);
  if (ids.length === 0) return null;
  const listed = ids.length <= 8 ? ids.join(" ") : "ID…";
  return (
    `collapsed: trained every step but did not learn (docs/config.md); a sweep does not train ` +
    `${ids.length === 1 ? "it" : "them"} again. Why: nfx runs show ${ids[0]}. To train again: ` +
    `nfx runs rm ${listed} --yes, then run the sweep again`
  );
}
