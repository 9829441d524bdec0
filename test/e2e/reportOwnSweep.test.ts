// Issue 24, end to end: a user's own ablation (unit vs layer AGC, which layers to leave unclipped, a global-clipping
// arm; 2 seeds, batch 8 and 16), trained with `nfx sweep` into a fresh store on tiny synthetic data, then
// `nfx report --sweep NAME` tests claims 4, 5 and 6 from those runs and names them; the runs a claim cannot use are
// named with the reason. About 20 s on 2 cores.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { RunStore } from "../../src/core/store/runStore.js";
import { tempDir, testBackend, writeFile } from "../helpers.js";
import { nfx } from "./sweepHelpers.js";

const SWEEP = `name: my-ablation
description: unit vs layer AGC and which layers to leave unclipped, tiny synthetic runs
model: { name: nf-resnet-micro }
data: { name: synthetic, train_size: 64, test_size: 32, image_size: 8 }
train: { steps: 3 }
optim: { lr: 0.2, warmup_epochs: 0 }
agc: { lambda: 0.01 }
zip:
  agc.granularity: [unit, layer, unit, unit, global]
  agc.exclude: [[classifier_weight], [classifier_weight], [], [classifier_weight, stem_conv], [classifier_weight]]
grid:
  train.batch_size: [8, 16]
seeds: 2
`;

interface ClaimDoc {
  id: number;
  verdict: string;
  runs: number;
  runs_used?: { set: string; run_ids: number[] }[];
  runs_left_out?: { reason: string; run_ids: number[] }[];
  tests: { comparisons: { condition: string; arms: { label: string; run_ids: number[] }[] }[] }[];
}

describe("nfx report --sweep NAME on a sweep of one's own (issue 24)", () => {
  it("tests claims 4, 5 and 6 from the sweep's runs, names them, and names the others with why", () => {
    const dir = tempDir();
    writeFile(dir, "ablation.yaml", SWEEP);
    const db = path.join(dir, "store", "nfx.db");
    const sweep = nfx(["sweep", "ablation.yaml", "--db", db, "--backend", testBackend(), "--quiet"], dir);
    assert.equal(sweep.status, 0, sweep.stderr);

    const text = nfx(["report", "--sweep", "my-ablation", "--db", db, "--format", "json"], dir);
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /^claim 4: Runs used: B=8: 4 runs [\d–, ]+; B=16: 4 runs [\d–, ]+\.$/m);
    assert.match(
      text.stdout,
      /^ {2}Left out: 4 runs [\d–, ]+: global clipping: claim 4 compares unit-wise with layer-wise AGC\.$/m,
    );
    assert.match(
      text.stdout,
      /^ {2}Left out: 4 runs [\d–, ]+: they differ in agc\.exclude as well from the layer-wise AGC runs/m,
    );
    assert.match(text.stdout, /^claim 1: Not tested: no matched runs; it needs BN-ResNet runs/m);
    assert.ok(fs.existsSync(path.join(dir, "store", "report", "report.md")));

    const json = nfx(["report", "--sweep", "my-ablation", "--db", db, "--json"], dir);
    assert.equal(json.status, 0, json.stderr);
    const doc = JSON.parse(json.stdout) as { selection: string; claims: ClaimDoc[] };
    assert.equal(doc.selection, "sweep my-ablation");
    const byId = new Map(doc.claims.map((c) => [c.id, c]));
    const all = Array.from({ length: 20 }, (_, i) => i + 1);
    for (const id of [4, 5, 6]) {
      const c = byId.get(id);
      assert.ok(c, `claim ${id}`);
      const used = (c.runs_used ?? []).flatMap((u) => u.run_ids);
      assert.equal(used.length, 8, `claim ${id}: 2 arms × 2 seeds × 2 batch sizes`);
      assert.equal(c.runs, 8);
      assert.deepEqual(
        c.tests[0]?.comparisons.map((x) => x.condition),
        ["batch 8", "batch 16"],
      );
      // Every arm is two seeds of one point: the comparisons use the runs named as used.
      for (const x of c.tests[0]?.comparisons ?? []) for (const a of x.arms) assert.equal(a.run_ids.length, 2);
      const left = (c.runs_left_out ?? []).flatMap((l) => l.run_ids);
      assert.deepEqual(
        [...used, ...left].sort((a, b) => a - b),
        all,
        `claim ${id}: every run used or named`,
      );
      for (const l of c.runs_left_out ?? [])
        assert.match(l.reason, /: claim \d needs|: claim \d compares|as well from/);
    }
    for (const id of [1, 2, 3, 7]) assert.deepEqual(byId.get(id)?.runs_used, [], `claim ${id}: nothing to match`);
  });

  it("bad selections: one clear line, non-zero exit; --sweep does not go with --preset or --run-missing", () => {
    const dir = tempDir();
    const db = path.join(dir, "nfx.db");
    RunStore.open(db).close();
    const none = nfx(["report", "--sweep", "nope", "--db", db], dir);
    assert.notEqual(none.status, 0);
    assert.match(none.stderr, /--sweep nope: no sweep of that name in /);
    const both = nfx(["report", "--sweep", "x", "--preset", "quick", "--db", db], dir);
    assert.notEqual(both.status, 0);
    assert.match(both.stderr, /--preset|--sweep/);
    const missing = nfx(["report", "--where", "agc.lambda = 0.01", "--run-missing", "--db", db], dir);
    assert.notEqual(missing.status, 0);
  });
});
