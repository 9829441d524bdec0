// Optimizers in the figures (issue 26): claim 7 whole (LARS trains at large batch, below AGC's best) and the
// optimizers figure's findings at this scale, decided from constructed stores by the paper's claims' rules — each
// holding where the runs say so and not holding where they say the opposite; the charts draw LARS and each
// optimizer's references.
import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import type { RunConfig } from "../../src/core/config/schema.js";
import type { RunRow } from "../../src/core/plot/runRows.js";
import { RunStore } from "../../src/core/store/runStore.js";
import { granularity } from "../../src/experiments/figures/granularity.js";
import { optimizers } from "../../src/experiments/figures/optimizers.js";
import { buildReport, claimsInOrder } from "../../src/experiments/report/buildReport.js";
import { tempDir } from "../helpers.js";
import { addRuns, type Outcome } from "../report/matchedStore.js";

/** AGC helps: Adam and AdamW diverge unclipped at batch 16, AGC beats global clipping, LARS trains below AGC. */
function helps(c: RunConfig): Outcome {
  const { name } = c.optim;
  if (name === "lars") return 0.7;
  if (c.agc.granularity === "none") return c.train.batch_size > 8 && name !== "sgd" ? "diverged" : 0.8;
  if (c.agc.granularity === "global") return 0.6;
  return c.agc.lambda === 0.01 ? 0.85 : 0.8;
}

/** The opposite: clipping hurts every optimizer; LARS does as well as AGC. */
function hurts(c: RunConfig): Outcome {
  if (c.optim.name === "lars") return 0.85;
  if (c.agc.granularity === "none") return 0.85;
  if (c.agc.granularity === "global") return 0.85;
  return c.agc.lambda === 0.01 ? 0.6 : 0.7;
}

const SWEEPS = [
  "zip:\n  agc.granularity: [unit, unit, none, global]\n  agc.lambda: [0.01, 0.16, null, 1]\ngrid:\n  optim.name: [sgd, adam, adamw]\n  train.batch_size: [8, 16]\nseeds: 3\n",
  "agc: { granularity: none }\ngrid:\n  optim.name: [lars]\n  train.batch_size: [16]\nseeds: 3\n",
  // Claim 7's first test needs global clipping at a second threshold.
  "agc: { granularity: global }\ngrid:\n  agc.lambda: [10]\n  train.batch_size: [8, 16]\nseeds: 3\n",
];

async function verdicts(outcome: (c: RunConfig) => Outcome) {
  const db = path.join(tempDir(), "nfx.db");
  for (const body of SWEEPS) addRuns(db, body, outcome);
  const { report } = await buildReport({ db, out: null });
  const byId = new Map(claimsInOrder(report).map(({ claim }) => [claim.rule.id, claim]));
  return (id: number) => {
    const c = byId.get(id);
    assert.ok(c, `claim ${id}`);
    return { verdict: c.verdict, tests: c.tests.map((t) => t.verdict) };
  };
}

describe("optimizers in the figures and the report", () => {
  it("runs where AGC helps: claim 7's LARS tests and findings 8–10 hold", async () => {
    const v = await verdicts(helps);
    assert.deepEqual(v(7).tests.slice(1), ["holds", "holds"], "LARS trains; AGC's best beats it");
    for (const id of [8, 9, 10]) assert.equal(v(id).verdict, "holds", `finding ${id}`);
  });

  it("runs where clipping hurts: LARS as good as AGC and findings 8–10 do not hold", async () => {
    const v = await verdicts(hurts);
    assert.deepEqual(v(7).tests.slice(1), ["holds", "does not hold"], "LARS trains; it is not below AGC's best");
    for (const id of [8, 9, 10]) assert.equal(v(id).verdict, "does not hold", `finding ${id}`);
  });

  it("the paper's claims 1–6 refuse Adam runs (else they would form a set of their own and be judged)", async () => {
    const db = path.join(tempDir(), "nfx.db");
    const body =
      "zip:\n  agc.granularity: [unit, unit, none]\n  agc.lambda: [0.01, 0.16, null]\ngrid:\n  optim.name: [sgd, adam]\n  train.batch_size: [8, 16]\nseeds: 3\n";
    addRuns(db, body, (c) => (c.optim.name === "adam" ? 0.5 : 0.8));
    const store = RunStore.open(db, { readonly: true });
    const adam = store
      .listRuns()
      .filter((r) => r.config.optim.name === "adam")
      .map((r) => r.id);
    store.close();
    assert.equal(adam.length, 18);
    const { report } = await buildReport({ db, out: null });
    for (const { claim } of claimsInOrder(report).filter(({ claim }) => claim.rule.id <= 6)) {
      for (const set of claim.runs?.sets ?? []) {
        assert.ok(!set.runIds.some((id) => adam.includes(id)), `claim ${claim.rule.id} used an Adam run`);
      }
    }
  });

  it("the findings say plainly they are not the paper's", () => {
    for (const rule of optimizers.claims) {
      assert.match(rule.title, /^At this scale \(not the paper's\)/);
      assert.match(rule.paper, /^Not a claim of the paper/);
    }
  });

  const row = (o: Record<string, string | number | null>): RunRow => ({
    "model.name": "nf-resnet-micro",
    "data.name": "fashion-mnist",
    "train.batch_size": 16,
    seed: 0,
    ...o,
  });
  const rows = [0, 1].flatMap((seed) => [
    row({ seed, "optim.name": "adam", "agc.granularity": "unit", "agc.lambda": 0.01, top1: 0.8 + seed / 100 }),
    row({ seed, "optim.name": "adam", "agc.granularity": "none", "agc.lambda": null, top1: 0.5 + seed / 100 }),
    row({ seed, "optim.name": "adam", "agc.granularity": "global", "agc.lambda": 1, top1: 0.7 + seed / 100 }),
    row({ seed, "agc.granularity": "unit", "agc.lambda": 0.01, top1: 0.85 + seed / 100 }),
    row({ seed, "optim.name": "lars", "agc.granularity": "none", "agc.lambda": null, top1: 0.7 + seed / 100 }),
  ]);

  it("the optimizers chart: AGC points per optimizer, no clipping and global clipping as dashed references", () => {
    assert.equal(optimizers.drawn(rows).length, 8, "LARS is not one of its optimizers");
    const spec = JSON.stringify(optimizers.spec(rows, [], "ci"));
    for (const s of ["adam, no clipping", "adam, global clipping at 1", "not the paper's", "sgd"]) {
      assert.ok(spec.includes(s), s);
    }
  });

  it("the granularity chart draws LARS as a dashed reference; its clipping arms are SGD's", () => {
    const drawn = granularity.drawn(rows);
    assert.deepEqual(drawn.map((r) => r["optim.name"] ?? "sgd").sort(), ["lars", "lars", "sgd", "sgd"]);
    assert.equal(granularity.reference?.(rows).length, 2);
    assert.ok(JSON.stringify(granularity.spec(rows, [], "ci")).includes("LARS without clipping"));
  });
});
