// Issue 25: runs of two training revisions are never pooled — not in a figure's point (plot/aggregate.ts through
// plot/revisions.ts), not in a claim's matched set (the revision is part of a run's identity) — when a store holds
// runs trained by older code beside runs of the same configs trained now.
import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import { configHash } from "../../src/core/config/hash.js";
import type { RunConfig } from "../../src/core/config/schema.js";
import { aggregate } from "../../src/core/plot/aggregate.js";
import type { RunRow } from "../../src/core/plot/runRows.js";
import { RunStore } from "../../src/core/store/runStore.js";
import { buildReport, claimsInOrder } from "../../src/experiments/report/buildReport.js";
import { addConstructedRuns, CONTRADICTS, SUPPORTS, TEST_ENV } from "../figures/constructedStore.js";
import { tempDir } from "../helpers.js";

const row = (id: number, revision: number | undefined, top1: number): RunRow => ({
  run_id: id,
  revision: revision ?? null,
  arm: "AGC",
  "train.batch_size": 64,
  top1,
});

describe("training revisions are never pooled", () => {
  it("a figure's point holds the runs of its newest revision only", () => {
    const rows = [row(1, 3, 0.2), row(2, 3, 0.2), row(3, 4, 0.8), row(4, 4, 0.9), row(5, 4, 0.85)];
    const band = { kind: "none" as const, range: null };
    const [point] = aggregate(rows, ["arm", "train.batch_size"], "top1", band);
    assert.equal(point?.n, 3);
    assert.ok(Math.abs((point?.mean as number) - 0.85) < 1e-12);
    // Another condition keeps its own (older) revision: nothing newer stands for it there.
    const other = { ...row(6, 3, 0.4), "train.batch_size": 1024 };
    const points = aggregate([...rows, other], ["arm", "train.batch_size"], "top1", band);
    assert.deepEqual(
      points.map((p) => [p["train.batch_size"], p.n]),
      [
        [64, 3],
        [1024, 1],
      ],
    );
    // A config stored before the key existed is revision 1.
    assert.equal(aggregate([row(7, undefined, 0.1), row(8, 2, 0.5)], ["arm"], "top1", band)[0]?.n, 1);
  });

  it("nfx report over a store with fig2a's runs of revision 3 and 4: no matched set mixes the two", async () => {
    const db = path.join(tempDir(), "nfx.db");
    const now = addConstructedRuns(db, "fig2a", SUPPORTS.fig2a as never);
    assert.ok(now > 0);
    // The same configs as an older nfx stored them: revision 3, another hash, the opposite outcome.
    const store = RunStore.open(db);
    try {
      for (const run of store.listRuns()) {
        const old: RunConfig = { ...run.config, revision: 3 };
        const { id } = store.ensureRun(old, configHash(old), null);
        store.startRun(id, TEST_ENV, 4);
        const top1 = (CONTRADICTS.fig2a as (c: RunConfig) => number | "diverged")(old);
        const value = typeof top1 === "number" ? top1 : 0.1;
        store.addEval(id, 4, "test", value, 0.9, 1000);
        store.finishRun(id, "completed", { test_top1: value, final_loss: 1.7, steps: 4, images_per_s: 100 }, null);
      }
    } finally {
      store.close();
    }
    const { report } = await buildReport({ db, out: null });
    const reader = RunStore.open(db, { readonly: true });
    const revisionOf = new Map(reader.listRuns().map((r) => [r.id, r.config.revision]));
    reader.close();
    let sets = 0;
    for (const { claim } of claimsInOrder(report)) {
      for (const set of claim.runs?.sets ?? []) {
        const revisions = new Set(set.runIds.map((id) => revisionOf.get(id)));
        assert.equal(revisions.size, 1, `claim ${claim.rule.id}, set '${set.label}': revisions ${[...revisions]}`);
        sets++;
      }
    }
    assert.ok(sets > 0, "the report matched some sets");
  });
});
