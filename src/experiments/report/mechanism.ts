// Why, not only whether: per group of seed replicates of a figure's runs, how much AGC clipped each parameter role
// over training and how large the skip gains grew. AGC limits a unit's gradient norm to λ·max(‖W‖, ε); skip gains
// that start at 0 (the official init) have a limit of λ·ε (ε = 1e-3), so a small λ pins them near 0 — the branch
// stays shut, which costs accuracy where no clipping is needed (small batch). Skip gains that start at 1 are free of
// that; the table then shows how much each role is clipped instead. The note under the table says which init the
// runs used, so it never explains one init with the other's mechanism.

import { resolveModelSpec } from "../../core/models/index.js";
import {
  type RunRow,
  runRow,
  seriesOf,
  shortKey,
  varyingConfigKeys,
  withoutDetermined,
} from "../../core/plot/runRows.js";
import { mean } from "../../core/plot/stats.js";
import type { RunStore, StoredRun } from "../../core/store/runStore.js";

/** Roles in the order the table shows them (those never clipped in any run are left out). */
const ROLE_ORDER = [
  "skip_gain",
  "gain",
  "bias",
  "stem_conv",
  "body_conv",
  "shortcut_conv",
  "se_weight",
  "se_bias",
  "classifier_weight",
  "classifier_bias",
  "bn_scale",
  "bn_offset",
];
const CLIP = "clip_frac.";
const SKIP = "skip_gain_abs_mean";

export interface MechanismRow {
  /** The group's config values that set it apart, e.g. "λ=0.16 · B=512". */
  group: string;
  runs: number;
  /** "2 completed, 1 collapsed". */
  outcomes: string;
  /** Per role: the share of its units AGC rescaled, averaged over the steps, then over the seeds; null: not recorded. */
  clip: Record<string, number | null>;
  /** Mean |skip gain| at the last step, averaged over the seeds; null when not recorded (older runs, no skip gains). */
  skipGainEnd: number | null;
  /** Mean |skip gain| over the steps, averaged over the seeds. */
  skipGainMean: number | null;
}

export interface MechanismTable {
  /** The config keys (short names) that tell the groups apart. */
  keys: string[];
  /** Roles with a clip fraction above 0 in some group, in ROLE_ORDER. */
  roles: string[];
  rows: MechanismRow[];
  /** The skip gains' initial values among the runs (models without skip gains left out), ascending. */
  skipGainInits: number[];
}

function meanOf(xs: readonly (number | null)[]): number | null {
  const ok = xs.filter((x): x is number => x !== null && Number.isFinite(x));
  return ok.length ? mean(ok) : null;
}

/**
 * The mechanism table of a figure's finished runs, grouped by the config keys they differ in (seeds pooled), in
 * reading order; null when no run recorded a clip fraction or skip-gain size.
 */
export function mechanismTable(store: RunStore, runs: readonly StoredRun[]): MechanismTable | null {
  if (!runs.length) return null;
  const rows: RunRow[] = runs.map(runRow);
  const keys = withoutDetermined(rows, varyingConfigKeys(runs), []);
  const { labels, order } = seriesOf(runs, keys);
  const perRun = runs.map((run) => {
    const m = new Map(store.metricSummaries(run.id, [CLIP, SKIP]).map((s) => [s.name, s]));
    return { run, m };
  });
  if (!perRun.some((p) => p.m.size)) return null;
  const roles = ROLE_ORDER.filter((role) => perRun.some((p) => (p.m.get(CLIP + role)?.mean ?? 0) > 0));
  const out: MechanismRow[] = order.map((group) => {
    const members = perRun.filter((_, i) => labels[i] === group);
    const counts = new Map<string, number>();
    for (const { run } of members) counts.set(run.status, (counts.get(run.status) ?? 0) + 1);
    const clip: Record<string, number | null> = {};
    for (const role of roles) clip[role] = meanOf(members.map((p) => p.m.get(CLIP + role)?.mean ?? null));
    return {
      group,
      runs: members.length,
      outcomes: [...counts].map(([s, n]) => `${n} ${s}`).join(", "),
      clip,
      skipGainEnd: meanOf(members.map((p) => p.m.get(SKIP)?.last ?? null)),
      skipGainMean: meanOf(members.map((p) => p.m.get(SKIP)?.mean ?? null)),
    };
  });
  return { keys: keys.map(shortKey), roles, rows: out, skipGainInits: skipGainInitsOf(runs) };
}

/** The distinct initial skip-gain values of the runs' models (resolved variant + overrides); [] when none has any. */
function skipGainInitsOf(runs: readonly StoredRun[]): number[] {
  const inits = new Set<number>();
  for (const run of runs) {
    try {
      const spec = resolveModelSpec(run.config.model);
      if (spec.norm === "none") inits.add(spec.skipGainInit);
    } catch {
      // A model this nfx no longer builds: its init is unknown, and the note says nothing about it.
    }
  }
  return [...inits].sort((a, b) => a - b);
}

/**
 * What the table's columns mean, for both renderings, and the mechanism that fits the runs' skip-gain init: the
 * "small λ pins the skip gains" reading only where they start at 0.
 */
export function mechanismNote(table: MechanismTable): string {
  const inits = table.skipGainInits;
  const initText = inits.length ? `initialised at ${inits.join(" and ")}` : "";
  const columns =
    "clip fraction: the share of a role's units whose gradient AGC rescaled, averaged over the training steps and " +
    `the seeds. |skip gain|: the mean absolute value of the skip gains${initText ? ` (${initText})` : ""} at the end ` +
    "of training (and its mean over training).";
  const limit = "AGC limits a unit's gradient to λ·max(‖W‖, ε) with ε = 1e-3";
  if (inits.includes(0)) {
    return (
      `${columns} ${limit}, so a skip gain near 0 can move by at most about lr·λ·ε per step: a small λ keeps the ` +
      "residual branches shut, which costs accuracy where clipping is not needed for stability (small batch)."
    );
  }
  if (inits.length) {
    return (
      `${columns} ${limit}; skip gains starting at ${inits.join(" and ")} are not pinned by it, so where a small λ ` +
      "costs accuracy, the clip fractions show which roles it held back."
    );
  }
  return `${columns} ${limit}.`;
}

export function fractionText(x: number | null): string {
  return x === null ? "—" : `${(x * 100).toFixed(1)}%`;
}

export function gainText(x: number | null): string {
  return x === null ? "—" : x.toPrecision(3);
}
