// Where a sweep's runs are expected to stop before their last step — for the cost estimate only (estimate.ts): a run
// that diverges stops at once (train/outcome.ts), so a sweep meant to show divergence (fig2b's unclipped runs at a
// large batch) costs far less than its step count says. Two sources, the first that knows wins:
// 1. the store: runs of the same config under other seeds (training is deterministic given the config and seed,
//    and a diverging setting diverges in most seeds): the mean fraction of their steps they trained;
// 2. the sweep file's `early_stops:` section, measured by pilots and written down with its source:
//      early_stops:
//        - { where: { agc.lambda: null, train.batch_size: 1024 }, steps: 8,
//            source: "pilots: no clipping at batch 1024 diverged at step 7-8 (docs/presets.md)" }
//    `where` is a mapping or filter expression as in `exclude:`; `steps` the mean number of optimizer steps such a run
//    trained in the pilots (a run that diverges at step k trains k). The section never changes what is trained.
import { ConfigError, FaultCollector } from "../config/configError.js";
import { canonicalJson } from "../config/hash.js";
import type { RunConfig } from "../config/schema.js";
import type { Locate } from "../config/yamlFile.js";
import type { StoredRun } from "../store/runStore.js";
import { type Constraint, matches, parseConstraints } from "./constraints.js";

/** One `early_stops:` entry: runs matching `where` are expected to train `steps` optimizer steps (a pilots' mean). */
export interface EarlyStopHint {
  where: Constraint;
  steps: number;
  source: string;
}

/** Why a run is expected to train fewer steps than planned, and how many. */
export interface ExpectedStop {
  /** Optimizer steps it is expected to train (≤ the planned steps). */
  steps: number;
  /** What says so: stored run ids of other seeds, or the sweep file's source text. */
  from: { kind: "stored"; runIds: number[] } | { kind: "sweep-file"; source: string };
}

/**
 * Parses the `early_stops:` section of a sweep file (absent: none).
 * @throws ConfigError naming the entry at fault (file:line through `locate`).
 */
export function parseEarlyStops(raw: unknown, locate: Locate): EarlyStopHint[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new ConfigError("early_stops", "must be a list of entries", locate(["early_stops"]));
  // Every entry's faults at once, as the rest of the file's (FaultCollector).
  const faults = new FaultCollector();
  const hints = raw.map((entry, i) => faults.check(() => parseEntry(entry, i, locate)));
  faults.throwIfAny();
  return hints as EarlyStopHint[];
}

/** One entry of `early_stops:` (the i-th), checked. */
function parseEntry(entry: unknown, i: number, locate: Locate): EarlyStopHint {
  const at = locate(["early_stops", i]) ?? locate(["early_stops"]);
  const e = (typeof entry === "object" && entry !== null ? entry : {}) as Record<string, unknown>;
  const faults = new FaultCollector();
  const extra = Object.keys(e).filter((k) => !["where", "steps", "source"].includes(k));
  if (extra.length > 0)
    faults.check(() => {
      throw new ConfigError(`early_stops[${i}]`, `unknown key '${extra[0]}' (keys: where, steps, source)`, at);
    });
  if (!Number.isInteger(e.steps) || (e.steps as number) < 1)
    faults.check(() => {
      throw new ConfigError(`early_stops[${i}].steps`, "must be a number of optimizer steps ≥ 1", at);
    });
  if (typeof e.source !== "string" || e.source.trim() === "")
    faults.check(() => {
      throw new ConfigError(`early_stops[${i}].source`, "must say what measured it (e.g. the pilots)", at);
    });
  const whereAt = locate(["early_stops", i, "where"]) ?? at;
  const [where] = faults.check(() => parseConstraints(e.where, `early_stops[${i}].where`, () => whereAt)) ?? [];
  if (!where && e.where === undefined)
    faults.check(() => {
      throw new ConfigError(`early_stops[${i}].where`, "must select runs (a mapping or expression)", at);
    });
  faults.throwIfAny();
  return { where: where as Constraint, steps: e.steps as number, source: e.source as string };
}

/** A config's identity apart from its seed: the runs that are the same experiment under other seeds. */
function withoutSeed(cfg: RunConfig): string {
  const { seed: _seed, ...rest } = cfg;
  return canonicalJson(rest);
}

const SETTLED = new Set(["completed", "diverged", "collapsed"]);

/**
 * Step 1 and 2 for one run planned to train `planned` steps: the stored runs of its other seeds (their mean fraction
 * of steps trained), else the first matching hint; null when nothing says it stops early.
 */
export function expectedStop(
  cfg: RunConfig,
  planned: number,
  stored: readonly StoredRun[],
  hints: readonly EarlyStopHint[],
): ExpectedStop | null {
  const key = withoutSeed(cfg);
  const siblings = stored.filter(
    (r) => SETTLED.has(r.status) && (r.steps_total ?? 0) > 0 && withoutSeed(r.config) === key,
  );
  if (siblings.length > 0) {
    const fraction =
      siblings.reduce((a, r) => a + Math.min(1, r.steps_done / (r.steps_total as number)), 0) / siblings.length;
    const steps = Math.max(1, Math.round(fraction * planned));
    return steps < planned ? { steps, from: { kind: "stored", runIds: siblings.map((r) => r.id) } } : null;
  }
  const hint = hints.find((h) => matches(h.where, cfg));
  if (!hint || hint.steps >= planned) return null;
  return { steps: hint.steps, from: { kind: "sweep-file", source: hint.source } };
}
