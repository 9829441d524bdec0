// Issue 16 item 4: a comparison left "not enough runs" says how many seeds per arm would decide it at the spread
// observed, and `--add-seeds` plans exactly those runs within a time budget.
import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import { configHash } from "../../src/core/config/hash.js";
import { mean, sampleSd } from "../../src/core/plot/stats.js";
import { RunStore } from "../../src/core/store/runStore.js";
import { addedSeedsSweep } from "../../src/experiments/figures/presetRuns.js";
import { buildReport, claimsInOrder } from "../../src/experiments/report/buildReport.js";
import { decideComparison } from "../../src/experiments/report/decide.js";
import { seedsToDecide } from "../../src/experiments/report/power.js";
import { parseBudget, reportSweepRuns } from "../../src/experiments/report/reportSweep.js";
import { planExtraSeeds } from "../../src/experiments/report/seedPlan.js";
import { TEST_ENV } from "../figures/constructedStore.js";
import { tempDir } from "../helpers.js";
import { tinyPresets } from "./tinyPresets.js";

/** n values with exactly mean m and sample sd s. */
function valuesWith(m: number, s: number, n: number): number[] {
  const raw = Array.from({ length: n }, (_, i) => i - (n - 1) / 2);
  const sd = sampleSd(raw);
  return raw.map((x) => m + (x / sd) * s);
}

const row = (top1: number, i: number) => ({ run_id: i, top1 });

describe("seeds that would decide a claim (issue 16)", () => {
  it("the planned seeds per arm, at the observed means and spreads, decide the comparison; one fewer does not", () => {
    const plus = [0.812, 0.798, 0.806];
    const minus = [0.801, 0.795, 0.799];
    const c = {
      condition: "batch 512",
      arms: [
        { label: "a", coef: 1, runs: plus.map(row) },
        { label: "b", coef: -1, runs: minus.map(row) },
      ],
    };
    const now = decideComparison(c, "better", 0.005);
    assert.equal(now.verdict, "not enough runs");
    const n = now.plan?.perArm;
    assert.ok(n && n > 3, `plan: ${now.plan?.note}`);
    assert.match(now.why, new RegExp(`about ${n} seeds per arm would decide it at the spread observed`));
    const at = (k: number) => ({
      condition: "batch 512",
      arms: [
        { label: "a", coef: 1, runs: valuesWith(mean(plus), sampleSd(plus), k).map(row) },
        { label: "b", coef: -1, runs: valuesWith(mean(minus), sampleSd(minus), k).map(row) },
      ],
    });
    assert.notEqual(decideComparison(at(n), "better", 0.005).verdict, "not enough runs");
    assert.equal(decideComparison(at(n - 1), "better", 0.005).verdict, "not enough runs");
  });

  it("an arm with one seed asks for 3 first; an estimate on a bound cannot be decided", () => {
    assert.equal(
      seedsToDecide(
        [
          { coef: 1, values: [0.8] },
          { coef: -1, values: [0.7, 0.71] },
        ],
        "better",
        0.01,
      ).perArm,
      3,
    );
    // 'small' with the estimate exactly at the margin: no half-width clears it.
    const onBound = seedsToDecide(
      [
        { coef: 1, values: [0.81, 0.83] },
        { coef: -1, values: [0.8, 0.82] },
      ],
      "small",
      0.01,
    );
    assert.equal(onBound.perArm, null);
    assert.match(onBound.note, /sits on a decision bound/);
  });

  it("--budget parses durations and names the flag when it cannot", () => {
    assert.equal(parseBudget("30m"), 1800);
    assert.equal(parseBudget("1h30m"), 5400);
    assert.equal(parseBudget("90s"), 90);
    assert.equal(parseBudget("45"), 2700);
    assert.throws(() => parseBudget("soon"), /^Error: --budget soon: not a duration/);
    assert.throws(() => parseBudget("0m"), /not a duration/);
  });

  it("--add-seeds plans new seeds of the undecided arms' points, within the budget", async () => {
    const presetsDir = tinyPresets();
    const db = path.join(tempDir(), "nfx.db");
    const store = RunStore.open(db);
    // Claim 2's four arms: an interaction of 0.4 pp against seed noise of ~0.5 pp: not enough runs at 2 seeds.
    for (const r of reportSweepRuns("quick", presetsDir).runs) {
      const { id } = store.ensureRun(r.config, r.hash, null);
      store.startRun(id, TEST_ENV, 2);
      const lam = r.config.agc.lambda ?? 0;
      const top1 =
        0.8 + (lam === 0.16 && r.config.train.batch_size === 8 ? 0.004 : 0) + (r.config.seed ? 0.005 : -0.005);
      store.finishRun(id, "completed", { test_top1: top1, final_loss: 1, steps: 2, images_per_s: 1 }, null);
      store.db.prepare("UPDATE runs SET duration_s = 10 WHERE id = ?").run(id);
    }
    const report = (await buildReport({ preset: "quick", db, out: null, presetsDir })).report;
    const claim2 = claimsInOrder(report).find((c) => c.claim.rule.id === 2)?.claim;
    const comparison = claim2?.tests[0]?.comparisons[0];
    assert.equal(comparison?.verdict, "not enough runs");
    const perArm = comparison?.plan?.perArm;
    assert.ok(perArm && perArm > 2);

    const plan = planExtraSeeds(store, report, 24 * 3600, 2);
    const added = plan.added.find((a) => a.claim === 2);
    assert.ok(added, JSON.stringify(plan.skipped));
    // Each of claim 2's four points gets seeds 2 … perArm−1 (runs other comparisons also need are counted there once).
    assert.ok(added.runs <= 4 * (perArm - 2));
    const wanted = Array.from({ length: perArm - 2 }, (_, i) => i + 2);
    for (const b of [8, 16])
      for (const l of [0.01, 0.16]) {
        const seeds = plan.runs
          .filter(
            (r) => r.config.train.batch_size === b && r.config.agc.lambda === l && r.config.agc.exclude.length === 1,
          )
          .map((r) => r.config.seed);
        for (const s of wanted) assert.ok(seeds.includes(s), `B=${b} λ=${l}: seed ${s} planned (got ${seeds})`);
      }
    assert.ok(
      plan.runs.every((r) => !store.getRun(r.hash)),
      "only runs the store does not hold",
    );
    assert.equal(new Set(plan.runs.map((r) => r.hash)).size, plan.runs.length, "each run once");
    const wall = plan.added.reduce((t, a) => t + a.seconds, 0);
    assert.equal(wall, (plan.runs.length * 10) / 2, "stored durations (10 s a run) over two workers");

    // Once stored by the --add-seeds sweep, the added seeds count in the figures and verdicts.
    const sweep = store.createSweep(addedSeedsSweep("quick"), null, {});
    for (const r of plan.runs) {
      const { id } = store.ensureRun(r.config, r.hash, sweep);
      store.startRun(id, TEST_ENV, 2);
      store.finishRun(id, "completed", { test_top1: 0.8, final_loss: 1, steps: 2, images_per_s: 1 }, null);
    }
    // A run of another sweep at a new seed of the same point is not the preset's evidence.
    const first = plan.runs[0];
    assert.ok(first);
    const stray = { ...first.config, seed: 99 };
    const other = store.ensureRun(stray, configHash(stray), store.createSweep("other", null, {}));
    store.finishRun(other.id, "completed", { test_top1: 0.1, final_loss: 1, steps: 2, images_per_s: 1 }, null);
    const after = (await buildReport({ preset: "quick", db, out: null, presetsDir })).report;
    const fig2bExtra = plan.runs.filter(
      (r) => r.config.agc.exclude.length === 1 && r.config.agc.lambda !== null,
    ).length;
    assert.equal(after.figures.find((f) => f.figure === "fig2b")?.runs, 8 + fig2bExtra);
    const armsAfter = claimsInOrder(after).find((c) => c.claim.rule.id === 2)?.claim.tests[0]?.comparisons[0]?.arms;
    assert.ok(
      armsAfter?.every((a) => a.top1.length >= perArm),
      "each arm has the planned seeds",
    );

    const tight = planExtraSeeds(store, report, 1, 2);
    assert.equal(tight.runs.length, 0);
    assert.match(tight.skipped.find((s) => s.claim === 2)?.reason ?? "", /over the budget left/);
    store.close();
  });
});
