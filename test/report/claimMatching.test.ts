// Issue 24: every claim tested on any stored runs. Constructed runs of several sweeps in one store: each claim finds
// the runs that differ only in what it compares (seeds pooled), decides from them, names the runs it used, and
// names every other run with why it could not use it (refused, unmatched, or not finished).
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import type { RunConfig } from "../../src/core/config/schema.js";
import { RunStore } from "../../src/core/store/runStore.js";
import { buildReport, claimsInOrder } from "../../src/experiments/report/buildReport.js";
import type { ClaimResult } from "../../src/experiments/report/decide.js";
import { reportResult } from "../../src/experiments/report/reportResult.js";
import { addConstructedRuns, CONTRADICTS, SUPPORTS } from "../figures/constructedStore.js";
import { tempDir } from "../helpers.js";
import { addRuns, type Outcome } from "./matchedStore.js";

/** A top-1 table under which every claim holds in the runs below (2 seeds per point). */
function outcome(c: RunConfig): Outcome {
  if (c.agc.lambda === 0.04) return "failed";
  if (c.optim.name === "lars") return 0.7;
  if (c.model.name.startsWith("bn-")) return 0.8;
  if (c.agc.lambda === null) return c.train.batch_size <= 8 ? 0.8 : "diverged";
  if (c.agc.granularity === "global") return c.agc.lambda === 0.1 ? 0.4 : 0.8;
  if (c.agc.granularity === "layer") return 0.75;
  if (c.agc.exclude.length === 0) return 0.75;
  return c.agc.lambda === 0.16 && c.train.batch_size > 8 ? 0.75 : 0.8;
}

/** The store: an "ablation" sweep (granularity × λ × batch, then exclusions × batch) beside other runs. */
function mixedStore() {
  const db = path.join(tempDir(), "nfx.db");
  const grid = addRuns(
    db,
    "grid:\n  agc.granularity: [unit, layer]\n  agc.lambda: [0.01, 0.16]\n  train.batch_size: [8, 16]\nseeds: 2\n",
    outcome,
    "ablation",
  );
  const excl = addRuns(
    db,
    "agc: { granularity: unit, lambda: 0.01 }\ngrid:\n  agc.exclude: [[], [classifier_weight], [classifier_weight, stem_conv]]\n  train.batch_size: [8, 16]\nseeds: 2\n",
    outcome,
    "ablation",
  );
  const unclipped = addRuns(
    db,
    "zip:\n  model.name: [bn-resnet-micro, nf-resnet-micro]\n  agc.lambda: [null, null]\ngrid:\n  train.batch_size: [8, 16]\nseeds: 2\n",
    outcome,
  );
  const global = addRuns(
    db,
    "agc: { granularity: global }\ngrid:\n  agc.lambda: [0.1, 1]\n  train.batch_size: [8, 16]\nseeds: 2\n",
    outcome,
  );
  const otherLr = addRuns(
    db,
    "agc: { granularity: layer }\ngrid:\n  optim.lr: [0.05]\n  agc.lambda: [0.01]\n  train.batch_size: [8]\nseeds: 2\n",
    outcome,
  );
  const bnClipped = addRuns(db, "grid:\n  model.name: [bn-resnet-micro]\n  agc.lambda: [0.01]\nseeds: 1\n", outcome);
  const failed = addRuns(db, "grid:\n  agc.lambda: [0.04]\nseeds: 1\n", outcome);
  // Claim 7's LARS arm (issue 26): LARS without clipping.
  const lars = addRuns(
    db,
    "agc: { granularity: none }\ngrid:\n  optim.name: [lars]\n  train.batch_size: [8, 16]\nseeds: 2\n",
    outcome,
  );
  return { db, grid, excl, unclipped, global, otherLr, bnClipped, failed, lars };
}

type Store = ReturnType<typeof mixedStore>;

/** The runs among `ids` whose config `pick` accepts, each once, ascending. */
function idsOf(db: string, ids: readonly number[], pick: (c: RunConfig) => boolean): number[] {
  return [...new Set(ids)].filter((id) => pick(configOf(db, id))).sort((a, b) => a - b);
}

const configs = new Map<string, Map<number, RunConfig>>();
function configOf(db: string, id: number): RunConfig {
  const byId = configs.get(db);
  const c = byId?.get(id);
  if (!c) throw new Error(`run ${id} not loaded`);
  return c;
}

function loadConfigs(db: string): void {
  const store = RunStore.open(db, { readonly: true });
  configs.set(db, new Map(store.listRuns().map((r) => [r.id, r.config])));
  store.close();
}

function claim(report: Awaited<ReturnType<typeof buildReport>>["report"], id: number): ClaimResult {
  const found = claimsInOrder(report).find((c) => c.claim.rule.id === id);
  assert.ok(found, `claim ${id}`);
  return found.claim;
}

const used = (c: ClaimResult) => (c.runs?.sets.flatMap((s) => s.runIds) ?? []).sort((a, b) => a - b);
const sorted = (...lists: number[][]) => [...new Set(lists.flat())].sort((a, b) => a - b);

/** The run ids left out with a reason matching `re` (all reasons that match, together). */
function leftOut(c: ClaimResult, re: RegExp): number[] {
  return (c.runs?.leftOut ?? [])
    .filter((l) => re.test(l.reason))
    .flatMap((l) => l.runIds)
    .sort((a, b) => a - b);
}

/** Every selected run is either used by the claim or left out with a reason, once. */
function accountsForAll(c: ClaimResult, all: readonly number[]): void {
  const seen = [...used(c), ...(c.runs?.leftOut ?? []).flatMap((l) => l.runIds)].sort((a, b) => a - b);
  assert.deepEqual(
    seen,
    [...all].sort((a, b) => a - b),
    `claim ${c.rule.id}: every run used or left out, once`,
  );
}

function allIds(s: Store): number[] {
  return [
    ...new Set([
      ...s.grid,
      ...s.excl,
      ...s.unclipped,
      ...s.global,
      ...s.otherLr,
      ...s.bnClipped,
      ...s.failed,
      ...s.lars,
    ]),
  ];
}

describe("nfx report over any stored runs: each claim's matching (issue 24)", () => {
  it("the whole store: every claim tested on the runs that match it; the others named with why", async () => {
    const s = mixedStore();
    loadConfigs(s.db);
    const { report } = await buildReport({ db: s.db, out: null });
    assert.equal(report.preset, null);
    assert.equal(report.selection, "every stored run");
    const all = allIds(s);
    const verdicts = Object.fromEntries(claimsInOrder(report).map(({ claim: c }) => [c.rule.id, c.verdict]));
    assert.deepEqual(verdicts, {
      1: "holds",
      2: "holds",
      3: "holds",
      4: "holds",
      5: "holds",
      6: "holds",
      7: "holds",
      // The optimizers figure's findings (issue 26): no Adam or AdamW runs here.
      8: "not enough runs",
      9: "not enough runs",
      10: "not enough runs",
    });
    const isUnit = (c: RunConfig) => c.agc.granularity === "unit";
    const classifierOnly = (c: RunConfig) => c.agc.exclude.join(",") === "classifier_weight";
    const failedRun = s.failed;

    // Claim 1: BN-ResNet, NF-ResNet unclipped, NF-ResNet + unit-wise AGC (classifier unclipped), batches 8 and 16.
    const c1 = claim(report, 1);
    const unitAgc = idsOf(s.db, [...s.grid, ...s.excl], (c) => isUnit(c) && classifierOnly(c));
    assert.deepEqual(used(c1), sorted(s.unclipped, unitAgc));
    assert.deepEqual(leftOut(c1, /^a BN-ResNet with unit-wise AGC: claim 1's BN-ResNet is unclipped$/), s.bnClipped);
    assert.deepEqual(
      leftOut(c1, /^layer-wise AGC: claim 1's AGC is unit-wise$/),
      sorted(
        idsOf(s.db, s.grid, (c) => c.agc.granularity === "layer"),
        s.otherLr,
      ),
    );
    assert.deepEqual(leftOut(c1, /^global clipping: claim 1's AGC is unit-wise$/), s.global);
    assert.deepEqual(
      leftOut(c1, /^they differ in agc\.exclude as well from the BN-ResNet runs and NF-ResNet runs without clipping/),
      idsOf(s.db, s.excl, (c) => !classifierOnly(c)),
    );
    assert.deepEqual(leftOut(c1, /^not finished \(failed\)$/), failedRun);
    accountsForAll(c1, all);

    // Claim 2: unit-wise λ × batch; the comparison takes the extreme λs and batches.
    const c2 = claim(report, 2);
    assert.deepEqual(
      used(c2),
      idsOf(s.db, s.grid, (c) => isUnit(c)),
    );
    assert.equal(c2.tests[0]?.comparisons[0]?.condition, "B 16 vs 8, λ 0.01 vs 0.16");
    assert.deepEqual(
      leftOut(c2, /^no clipping: claim 2 compares clipping thresholds$/),
      idsOf(s.db, s.unclipped, (c) => c.model.name.startsWith("nf-")),
    );
    assert.deepEqual(leftOut(c2, /^optimizer lars: claim 2 is about SGD, the paper's optimizer$/), s.lars);
    assert.deepEqual(
      leftOut(c2, /^a BN-ResNet: claim 2 is about NF-ResNets$/),
      sorted(
        idsOf(s.db, s.unclipped, (c) => c.model.name.startsWith("bn-")),
        s.bnClipped,
      ),
    );
    accountsForAll(c2, all);

    // Claim 3: NF-ResNet with unit-wise AGC vs without clipping, at the smallest batch.
    const c3 = claim(report, 3);
    assert.deepEqual(
      c3.tests[0]?.comparisons.map((c) => c.condition),
      ["batch 8"],
    );
    assert.deepEqual(
      used(c3),
      sorted(
        idsOf(s.db, s.unclipped, (c) => c.model.name.startsWith("nf-")),
        unitAgc,
      ),
    );
    accountsForAll(c3, all);

    // Claim 4: unit vs layer at each batch size; the layer-wise runs at another lr are named with the key.
    const c4 = claim(report, 4);
    assert.deepEqual(
      used(c4),
      s.grid.slice().sort((a, b) => a - b),
    );
    assert.deepEqual(
      c4.runs?.sets.map((x) => x.label),
      ["B=8", "B=16"],
    );
    assert.deepEqual(
      leftOut(c4, /^they differ in optim\.lr as well from the unit-wise AGC runs claim 4 needs \(runs [\d–, ]+\)$/),
      s.otherLr,
    );
    assert.deepEqual(leftOut(c4, /^global clipping: claim 4 compares unit-wise with layer-wise AGC$/), s.global);
    accountsForAll(c4, all);

    // Claims 5 and 6: exclusion sets at λ = 0.01, per batch; the λ = 0.16 runs differ in agc.lambda as well.
    const c5 = claim(report, 5);
    assert.deepEqual(used(c5), sorted(idsOf(s.db, s.excl, (c) => c.agc.exclude.length < 2)));
    assert.deepEqual(
      leftOut(
        c5,
        /^unclipped=classifier_weight,stem_conv: claim 5 compares 'classifier unclipped' with 'clip every layer'$/,
      ),
      idsOf(s.db, s.excl, (c) => c.agc.exclude.length === 2),
    );
    assert.deepEqual(
      leftOut(c5, /^they differ in agc\.lambda as well from the runs that clip every layer claim 5 needs/),
      idsOf(s.db, s.grid, (c) => isUnit(c) && c.agc.lambda === 0.16),
    );
    accountsForAll(c5, all);
    const c6 = claim(report, 6);
    assert.deepEqual(used(c6), sorted(idsOf(s.db, s.excl, (c) => c.agc.exclude.length > 0)));
    assert.deepEqual(
      c6.tests[0]?.comparisons.map((c) => [c.condition, c.verdict]),
      [
        ["batch 8", "holds"],
        ["batch 16", "holds"],
      ],
    );
    accountsForAll(c6, all);

    // Claim 7: global over thresholds vs unit-wise over λ, per batch size; LARS trains (above chance) and stays
    // below unit-wise AGC's best at the largest batch of each matched set (here one set per batch size).
    const c7 = claim(report, 7);
    assert.deepEqual(used(c7), sorted(s.global, idsOf(s.db, s.grid, isUnit), s.lars));
    assert.deepEqual(
      c7.tests.slice(1).map((t) => t.comparisons.map((c) => [c.condition, c.verdict])),
      [
        [
          ["batch 8", "holds"],
          ["batch 16", "holds"],
        ],
        [
          ["batch 8", "holds"],
          ["batch 16", "holds"],
        ],
      ],
    );
    assert.deepEqual(
      leftOut(c7, /^layer-wise AGC: claim 7 compares global clipping with unit-wise AGC and LARS$/),
      sorted(
        idsOf(s.db, s.grid, (c) => c.agc.granularity === "layer"),
        s.otherLr,
      ),
    );
    accountsForAll(c7, all);
  });

  it("--sweep NAME: a stored sweep's runs; a claim they cannot serve says what it needs", async () => {
    const s = mixedStore();
    loadConfigs(s.db);
    const dir = tempDir();
    const written = await buildReport({
      db: s.db,
      sweep: "ablation",
      out: path.join(dir, "report"),
      formats: ["json"],
    });
    const { report } = written;
    assert.equal(report.selection, "sweep ablation");
    const ablation = [...new Set([...s.grid, ...s.excl])];
    const c1 = claim(report, 1);
    assert.equal(c1.verdict, "not enough runs");
    assert.deepEqual(c1.runs?.sets, []);
    assert.deepEqual(
      leftOut(c1, /^no BN-ResNet runs and no NF-ResNet runs without clipping: claim 1 needs them$/),
      idsOf(s.db, ablation, (c) => c.agc.granularity === "unit"),
    );
    for (const id of [4, 5, 6]) {
      assert.equal(claim(report, id).verdict, "holds", `claim ${id}`);
      accountsForAll(claim(report, id), ablation);
    }
    assert.match(
      (claim(report, 7).runs?.leftOut ?? []).map((l) => l.reason).join("\n"),
      /no global-clipping runs at a second threshold: claim 7 needs them/,
    );
    // The markdown and HTML name the runs used and those left out; --json carries them.
    const md = fs.readFileSync(written.markdown as string, "utf8");
    assert.match(
      md,
      /sweep ablation: 24 of 48 stored runs selected, 24 finished; each claim from the runs that match it/,
    );
    assert.match(md, /add them with `seeds:` in your sweep file/);
    assert.doesNotMatch(md, /--add-seeds/, "--add-seeds serves a preset only");
    assert.match(
      md,
      /- Left out: \d+ runs [\d–, ]+: no BN-ResNet runs and no NF-ResNet runs without clipping: claim 1 needs them\./,
    );
    assert.match(md, /- Runs used: B=8: 8 runs [\d–, ]+; B=16: 8 runs [\d–, ]+\./);
    assert.match(
      fs.readFileSync(written.html as string, "utf8"),
      /<li>Left out: \d+ runs [\d–, ]+: unclipped=none: claim 6 compares/,
    );
    const doc = reportResult(written, 0);
    assert.equal(doc.selection, "sweep ablation");
    const json4 = doc.claims.find((c) => c.id === 4);
    assert.deepEqual(
      json4?.runs_used?.flatMap((u) => u.run_ids).sort((a, b) => a - b),
      s.grid.slice().sort((a, b) => a - b),
    );
    assert.ok(json4?.runs_left_out?.some((l) => /^unclipped=none|^they differ in agc\.exclude/.test(l.reason)));
  });

  it("runs asked for the same train.steps match across batch sizes, even where one batch's epoch is that many steps", async () => {
    // 64 examples: at B=16 one epoch is 4 steps, so the identity spells `train.steps: 4` as the epoch there and
    // keeps it at B=8; the runs still trained the same 4 steps, and claim 2 compares them (a new user's sweep).
    const db = path.join(tempDir(), "nfx.db");
    const ids = addRuns(
      db,
      "grid:\n  train.steps: [4]\n  agc.lambda: [0.01, 0.16]\n  train.batch_size: [8, 16]\nseeds: 2\n",
      outcome,
      "steps4",
    );
    const { report } = await buildReport({ db, sweep: "steps4", out: null });
    const c2 = claim(report, 2);
    assert.deepEqual(used(c2), sorted(ids));
    assert.deepEqual(c2.runs?.leftOut ?? [], []);
    assert.equal(c2.verdict, "holds");
    for (const set of claim(report, 3).runs?.sets ?? []) assert.doesNotMatch(set.label, /train\.steps/);
  });

  it("--where EXPR: the runs a filter keeps; an unknown sweep or a bad filter is one clear error", async () => {
    const s = mixedStore();
    const { report } = await buildReport({ db: s.db, where: "train.batch_size = 8", out: null });
    assert.equal(report.selection, "runs where train.batch_size = 8");
    const store = RunStore.open(s.db, { readonly: true });
    const all = store.listRuns();
    store.close();
    const at8 = all.filter((r) => r.config.train.batch_size === 8);
    assert.deepEqual(report.selected, {
      runs: at8.length,
      finished: at8.filter((r) => r.status !== "failed").length,
      stored: all.length,
    });
    const c2 = claim(report, 2);
    assert.equal(c2.verdict, "not enough runs");
    assert.ok(c2.runs?.leftOut.some((l) => l.reason === "no runs at a second batch size: claim 2 needs them"));
    assert.equal(claim(report, 4).verdict, "holds");
    await assert.rejects(
      buildReport({ db: s.db, sweep: "nope", out: null }),
      /^Error: --sweep nope: no sweep of that name in /,
    );
    await assert.rejects(buildReport({ db: s.db, where: "agc.lambda <", out: null }), /^Error: --where: /);
    // A filter that keeps nothing, or an empty store, is refused rather than judged as "not enough runs" everywhere.
    await assert.rejects(
      buildReport({ db: s.db, where: "train.batch_size = 4096", out: null }),
      /^Error: runs where train\.batch_size = 4096: no stored run is selected \(of \d+ in .*\); nothing to judge$/,
    );
    const empty = path.join(tempDir(), "empty.db");
    RunStore.open(empty).close();
    await assert.rejects(buildReport({ db: empty, out: null }), /holds no runs yet: run a sweep first/);
  });

  it("the quick presets' runs, judged as a whole store, give the verdicts the preset report gives", async () => {
    for (const table of [SUPPORTS, CONTRADICTS]) {
      const db = path.join(tempDir(), "nfx.db");
      for (const [figure, top1Of] of Object.entries(table)) addConstructedRuns(db, figure, top1Of);
      const byPreset = (await buildReport({ preset: "quick", db, out: null })).report;
      const byMatching = (await buildReport({ db, out: null })).report;
      const verdicts = (r: typeof byPreset) => claimsInOrder(r).map(({ claim: c }) => [c.rule.id, c.verdict]);
      assert.deepEqual(verdicts(byMatching), verdicts(byPreset));
    }
  });
});
