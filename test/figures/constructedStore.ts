// Stores built from constructed runs, without training: each run of a figure's preset sweep gets a top-1 chosen by
// the test, a short loss curve, clip fractions and a test evaluation, written through RunStore's own methods.
import path from "node:path";
import type { RunConfig } from "../../src/core/config/schema.js";
import { type RunEnvironment, RunStore } from "../../src/core/store/runStore.js";
import { loadSweepFile } from "../../src/core/sweep/expand.js";

const root = path.resolve(import.meta.dirname, "../..");

export const TEST_ENV: RunEnvironment = {
  backend: "cpu",
  backend_version: "4.22.0",
  device: "constructed test runs",
  host: "test",
  node_version: process.version,
  nfx_version: "0.0.0",
  git_commit: null,
  git_dirty: null,
  extra: {},
};

/** top-1 for a run's config, or "diverged". Seeds are jittered by ±0.001 so groups have a spread. */
export type Top1Of = (config: RunConfig) => number | "diverged";

export function presetPath(figure: string, preset = "quick"): string {
  return path.join(root, "configs", `${figure}.${preset}.yaml`);
}

/**
 * Adds every run of `figure`'s preset sweep (those `keep` keeps) to the store at `db`, finished with the chosen
 * top-1 (seed-jittered unless `jitter` is false).
 */
export function addConstructedRuns(
  db: string,
  figure: string,
  top1Of: Top1Of,
  keep: (config: RunConfig) => boolean = () => true,
  jitter = true,
): number {
  const store = RunStore.open(db);
  try {
    const runs = loadSweepFile(presetPath(figure)).runs.filter((r) => keep(r.config));
    for (const r of runs) {
      const { id } = store.ensureRun(r.config, r.hash, null);
      store.startRun(id, TEST_ENV, 4);
      const outcome = top1Of(r.config);
      const steps = outcome === "diverged" ? 2 : 4;
      const rows = [];
      for (let step = 0; step < steps; step++) {
        const loss = outcome === "diverged" && step === steps - 1 ? Number.NaN : 2.3 - 0.2 * step;
        rows.push({ step, name: "loss", value: loss }, { step, name: "clip_frac", value: 0.1 * step });
      }
      store.appendMetrics(id, rows, steps);
      if (outcome === "diverged") {
        store.finishRun(id, "diverged", { test_top1: null, final_loss: null, steps, images_per_s: 100 }, "loss NaN");
        continue;
      }
      const top1 = outcome + (jitter ? (r.config.seed % 2 === 0 ? -0.001 : 0.001) : 0);
      store.addEval(id, steps, "test", top1, 0.9, 1000);
      store.finishRun(id, "completed", { test_top1: top1, final_loss: 1.7, steps, images_per_s: 100 }, null);
    }
    return runs.length;
  } finally {
    store.close();
  }
}

const exclusionKey = (c: RunConfig) => [...c.agc.exclude].sort().join("+") || "none";

/** A unit-wise AGC run at λ with the classifier unclipped: the arm fig2a, fig2b, granularity and exclusions share. */
const isSharedAgc = (c: RunConfig) => c.agc.granularity === "unit" && exclusionKey(c) === "classifier_weight";
const small = (c: RunConfig) => c.train.batch_size <= 64;

/** An Adam or AdamW run's top-1 by its clipping: none, global, unit-wise at the smaller λ (low) or larger (high). */
function adamLike(
  c: RunConfig,
  t: { none: number | "diverged"; global: number; low: number; high: number },
): number | "diverged" {
  if (c.agc.lambda === null) return t.none;
  if (c.agc.granularity === "global") return t.global;
  return c.agc.lambda <= 0.01 ? t.low : t.high;
}

/**
 * Top-1 tables that make every claim hold (`supports`) or fail (`contradicts`). The quick presets share runs (the
 * same config in several figures is one run), so each table is one function of the config, used for every figure.
 */
const support: Top1Of = (c) => {
  if (c.model.name.startsWith("bn-")) return 0.8;
  // LARS trains at large batch, below AGC's best (claim 7); Adam and AdamW blow up unclipped at large batch, and AGC
  // at λ = 0.01 beats global clipping (the optimizers figure's findings, issue 26).
  if (c.optim.name === "lars") return 0.7;
  if (c.optim.name !== "sgd")
    return adamLike(c, { none: small(c) ? 0.8 : "diverged", global: 0.6, low: 0.8, high: 0.75 });
  if (c.agc.lambda === null) return small(c) ? 0.805 : "diverged";
  if (c.agc.granularity === "layer") return 0.75;
  if (c.agc.granularity === "global") return { 0.1: 0.4, 1: 0.8 }[c.agc.lambda] ?? 0.6;
  if (isSharedAgc(c)) return c.agc.lambda === 0.01 || small(c) ? 0.8 : 0.75;
  return ({ none: 0.75 } as Record<string, number>)[exclusionKey(c)] ?? 0.8;
};

const contradict: Top1Of = (c) => {
  if (c.model.name.startsWith("bn-")) return 0.85;
  if (c.optim.name === "lars") return 0.9;
  if (c.optim.name !== "sgd") return adamLike(c, { none: 0.85, global: 0.85, low: 0.6, high: 0.7 });
  if (c.agc.lambda === null) return 0.8;
  if (c.agc.granularity === "layer") return 0.85;
  if (c.agc.granularity === "global") return 0.8;
  if (isSharedAgc(c)) return small(c) ? (c.agc.lambda === 0.01 ? 0.7 : 0.6) : c.agc.lambda === 0.01 ? 0.6 : 0.8;
  return ({ none: 0.85 } as Record<string, number>)[exclusionKey(c)] ?? 0.5;
};

const FIGURES = ["fig2a", "fig2b", "granularity", "exclusions", "optimizers"];
export const SUPPORTS: Record<string, Top1Of> = Object.fromEntries(FIGURES.map((f) => [f, support]));
export const CONTRADICTS: Record<string, Top1Of> = Object.fromEntries(FIGURES.map((f) => [f, contradict]));
