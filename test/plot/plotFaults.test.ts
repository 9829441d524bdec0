// The plot faults users met (issue 14 item 9, issue 15 items 2, 6 and the smaller ones), each with its right value:
// no run silently left out, numbers in numeric order, only seeds pooled, top1 vs test_top1 explained, step axes in
// whole steps, batch sizes written as numbers, unknown fields answered with the fields there are.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { type PlotRequest, plotSpec } from "../../src/core/plot/plotSelection.js";
import { renderSvg } from "../../src/core/plot/render.js";
import { sweepComparisonSpec } from "../../src/core/plot/sweepPlot.js";
import { groupRuns } from "../../src/core/store/groupRuns.js";
import { queryRuns } from "../../src/core/store/runQuery.js";
import { RunStore } from "../../src/core/store/runStore.js";
import { meanCiCell } from "../../src/ui/cells.js";
import { nfx } from "../e2e/sweepHelpers.js";
import { tempDir } from "../helpers.js";
import { addQuickRuns, QUICKSTART, type QuickRun } from "./quickstartStore.js";
import { sceneOf } from "./sceneText.js";
import { assertValidVegaLite } from "./schema.js";

type Values = Record<string, unknown>[];
// biome-ignore lint/suspicious/noExplicitAny: specs are checked by the Vega-Lite schema; tests read a few fields.
type AnySpec = any;

function storeOf(runs: readonly QuickRun[]): string {
  const db = path.join(tempDir(), "nfx.db");
  addQuickRuns(db, runs);
  return db;
}

function withStore<T>(db: string, f: (store: RunStore) => T): T {
  const store = RunStore.open(db, { readonly: true });
  try {
    return f(store);
  } finally {
    store.close();
  }
}

function spec(db: string, req: Partial<PlotRequest> & { x: string }): AnySpec {
  const s = withStore(db, (store) => plotSpec(store, { y: [], ...req }));
  assertValidVegaLite(s, JSON.stringify(req));
  return s;
}

const subtitle = (s: AnySpec): string => (s.title.subtitle as string[]).join("\n");

/** Text of the SVG's <text> elements, in document order. */
function texts(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1] as string);
}

/** Lines drawn by data rule marks (not the axes' grid). */
function ruleMarks(svg: string): number {
  const groups = [...svg.matchAll(/<g class="mark-rule role-mark[^"]*"[^>]*>(.*?)<\/g>/gs)];
  return groups.reduce((n, g) => n + ((g[1] ?? "").match(/<line /g) ?? []).length, 0);
}

describe("no run silently left out; numbers in numeric order (issue 14 item 9)", () => {
  const db = storeOf(QUICKSTART);

  it("--x agc.lambda --color train.batch_size --log-x: 6 runs counted, 6 drawn (λ = none as dashed rules)", async () => {
    const s = spec(db, { x: "agc.lambda", color: "train.batch_size", logX: true });
    const values = s.data.values as Values;
    const on = values.filter((v) => !v.off_axis);
    const off = values.filter((v) => v.off_axis);
    assert.equal(on.length, 4, "λ = 0.01 and 0.16 at two batch sizes on the axis");
    assert.deepEqual(off.map((v) => v["train.batch_size"]).sort(), ["256", "64"], "λ = none: one rule per batch");
    assert.equal(
      values.reduce((n, v) => n + (v.n as number), 0),
      6,
      "every run counted is in the figure",
    );
    assert.match(subtitle(s), /^6 runs;/);
    assert.match(
      subtitle(s),
      /dashed lines: no clipping, agc\.lambda = none \(2 runs\), which a log axis cannot place/,
    );
    const svg = await renderSvg(s);
    assert.equal(ruleMarks(svg), 2, "two dashed rules drawn");
    const t = texts(svg);
    assert.ok(t.indexOf("64") < t.indexOf("256") && t.indexOf("64") >= 0, `legend reads 64 before 256: ${t}`);
    assert.deepEqual(s.layer[0].encoding.color.sort, ["64", "256"]);
  });

  it("on a linear axis too, and panels of a numeric --column read in numeric order", async () => {
    const s = spec(db, { x: "agc.lambda", column: "train.batch_size" });
    assert.equal((s.data.values as Values).filter((v) => v.off_axis).length, 2);
    assert.deepEqual(s.facet.column.sort, ["64", "256"]);
    assert.match(subtitle(s), /which the x axis cannot place/);
    assert.equal(ruleMarks(await renderSvg(s)), 2);
  });
});

describe("only seeds are pooled (issue 15 item 2)", () => {
  // Two seeds at every point; at batch 64 two learning rates.
  const runs: QuickRun[] = [];
  for (const lambda of [0.01, null])
    for (const batch of [64, 256])
      for (const lr of batch === 64 ? [0.1, 0.4] : [0.4])
        for (const seed of [0, 1]) runs.push({ lambda, batch, lr, seed, top1: 0.7 + seed / 100 + lr / 10 });
  const db = storeOf(runs);

  it("--x step --y loss --color agc.lambda over two batch sizes: one line per batch (and lr), n = 2 seeds each", () => {
    const s = spec(db, { x: "step", y: ["loss"], color: "agc.lambda" });
    const values = s.data.values as Values;
    const series = [...new Set(values.map((v) => v.series))];
    assert.equal(series.length, 6, `series: ${series}`);
    assert.ok(
      values.every((v) => v.n === 2),
      "each point pools exactly the two seeds",
    );
    assert.ok(series.some((l) => /B=64/.test(String(l))) && series.some((l) => /B=256/.test(String(l))));
    assert.match(subtitle(s), /series split by train\.batch_size, optim\.lr: runs of one agc\.lambda differ in them/);
    assert.match(subtitle(s), /mean over seeds/);
    assert.deepEqual(s.spec.layer[0].encoding.color.sort, [
      "λ=0.01 · B=64 · lr=0.1",
      "λ=0.01 · B=64 · lr=0.4",
      "λ=0.01 · B=256 · lr=0.4",
      "λ=none · B=64 · lr=0.1",
      "λ=none · B=64 · lr=0.4",
      "λ=none · B=256 · lr=0.4",
    ]);
  });

  it("--x agc.lambda --y top1 without --color: split by batch and lr, never pooled across them", () => {
    const s = spec(db, { x: "agc.lambda" });
    const values = s.data.values as Values;
    assert.ok(
      values.every((v) => v.n === 2),
      JSON.stringify(values.map((v) => v.n)),
    );
    assert.match(subtitle(s), /series split by train\.batch_size, optim\.lr: the runs differ in them/);
  });

  it("the CLI: `nfx runs --group-by` says it split the groups; `nfx plot --x step` runs with its default --y", () => {
    const cwd = tempDir();
    const res = nfx(["runs", "--db", db, "--group-by", "agc.lambda,train.batch_size"], cwd);
    assert.equal(res.status, 0, res.stderr);
    assert.match(res.stdout, /also grouped by optim\.lr: runs in a group differed in it, and only seeds are pooled/);
    const lines = res.stdout.split("\n").filter((l) => /^(0\.01|none)\s/.test(l));
    assert.deepEqual(
      lines.map((l) => l.split(/\s+/).slice(0, 4).join(" ")),
      ["0.01 64 0.1 2", "0.01 64 0.4 2", "0.01 256 0.4 2", "none 64 0.1 2", "none 64 0.4 2", "none 256 0.4 2"],
    );
    const plot = nfx(["plot", "--db", db, "--x", "step", "--color", "agc.lambda", "--json"], cwd);
    assert.equal(plot.status, 0, plot.stderr);
    assert.ok(fs.existsSync(JSON.parse(plot.stdout).files.svg));
  });

  it("runs --group-by agc.lambda,train.batch_size splits by optim.lr; groups in numeric order", () => {
    const groups = withStore(db, (store) =>
      groupRuns(queryRuns(store, {}), ["agc.lambda", "train.batch_size"], ["test_top1"]),
    );
    assert.deepEqual(
      groups.map((g) => [g.key["agc.lambda"], g.key["train.batch_size"], g.key["optim.lr"], g.runs]),
      [
        [0.01, 64, 0.1, 2],
        [0.01, 64, 0.4, 2],
        [0.01, 256, 0.4, 2],
        [null, 64, 0.1, 2],
        [null, 64, 0.4, 2],
        [null, 256, 0.4, 2],
      ],
    );
    assert.ok(groups.every((g) => g.metrics.test_top1?.n === 2));
  });
});

describe("diverged runs and top1 vs test_top1 (issue 15 item 6)", () => {
  const db = storeOf([
    { lambda: null, batch: 256, lr: 0.1, top1: 0.8 },
    { lambda: null, batch: 256, lr: 0.4, top1: 0.75 },
    { lambda: null, batch: 256, lr: 1.6, top1: "diverged" },
    { lambda: null, batch: 256, lr: 6.4, top1: "diverged" },
  ]);

  it("--x optim.lr --y test_top1: the two diverged runs are named as not drawn, and why", () => {
    const s = spec(db, { x: "optim.lr", y: ["test_top1"] });
    assert.equal((s.data.values as Values).length, 2);
    assert.match(subtitle(s), /^4 runs, 2 drawn;/);
    assert.match(
      subtitle(s),
      /not drawn: 2 diverged runs without test_top1 \(run 3, 4\) \(--y top1 counts a diverged run at chance level\)/,
    );
  });

  it("--y top1 draws them at chance level, marked diverged", () => {
    const s = spec(db, { x: "optim.lr", y: ["top1"], logX: true });
    const values = s.data.values as Values;
    assert.equal(values.length, 4);
    assert.equal(values.filter((v) => v.n_diverged === 1).length, 2);
    assert.match(subtitle(s), /^4 runs;/);
  });

  // Issue 24 changed the sweep figure from a bar per run to points over the sweep's axes: a diverged run has no
  // test top-1, so it is drawn where every figure draws it, at chance level, marked with a red cross and named in
  // the subtitle, never as a bare 0% (nor a 0% bar).
  it("the sweep figure draws a diverged run at chance, crossed and named, not as a 0% result", async () => {
    const s = withStore(db, (store) =>
      sweepComparisonSpec(
        store,
        "t",
        queryRuns(store, {}).map((run) => ({ run, label: `lr=${run.config.optim.lr}` })),
      ),
    ) as AnySpec;
    assertValidVegaLite(s, "sweep figure");
    const seeds = (s.vconcat[0].data.values as Values).filter((v) => v.kind === "seed");
    assert.deepEqual(
      seeds.map((f) => [f.x, f.top1, f.status]),
      [
        [0.1, 0.8, "completed"],
        [0.4, 0.75, "completed"],
        [1.6, 0.1, "diverged"],
        [6.4, 0.1, "diverged"],
      ],
    );
    assert.ok(subtitle(s).includes("✕: a seed that diverged (counted at chance top-1)"));
    const drawn = (await sceneOf(s)).data.filter((d) => d.marktype === "symbol" && d.datum.status === "diverged");
    assert.equal(drawn.length, 4, "each diverged run: its seed's dot and a cross");
  });

  it("a misspelt top-1 explains the two", () => {
    assert.throws(
      () => withStore(db, (store) => plotSpec(store, { x: "optim.lr", y: ["test_top"] })),
      /--y test_top: no selected run has this field \(did you mean 'test_top1'\?\) \(top1 counts a diverged run at chance level/,
    );
  });
});

describe("smaller faults (issue 15)", () => {
  const db = storeOf(QUICKSTART);

  it("--x step works with its own default --y; --y top1 reads the test evaluations", () => {
    const s = spec(db, { x: "step" });
    assert.deepEqual(s.facet.row.sort, ["loss"]);
    const t = spec(db, { x: "step", y: ["top1"] });
    assert.deepEqual(t.facet.row.sort, ["test_top1"]);
  });

  it("tables write numbers without exponent notation", () => {
    assert.equal(meanCiCell("images_per_s", { n: 2, mean: 16384, ci95: 12.34, std: 1 }), "16384 ± 12.34 (n=2)");
    assert.equal(meanCiCell("train.batch_size", { n: 1, mean: 100, ci95: null, std: null }), "100 (n=1)");
    assert.equal(meanCiCell("test_top1", { n: 1, mean: 0.8123, ci95: null, std: null }), "81.23% (n=1)");
  });

  it("unknown fields list the fields there are, with a did-you-mean", () => {
    const err = (req: PlotRequest) => {
      try {
        withStore(db, (store) => plotSpec(store, req));
      } catch (e) {
        return (e as Error).message;
      }
      return "no error";
    };
    const x = err({ x: "agc.lamda", y: [] });
    assert.match(x, /^--x agc\.lamda: no selected run has this field \(did you mean 'agc\.lambda'\?\)/);
    assert.match(x, /fields: agc\.granularity, agc\.lambda, train\.batch_size, top1, test_top1/);
    assert.match(err({ x: "agc.lambda", y: [], color: "batch_sise" }), /--color batch_sise: .*fields: /);
    assert.match(err({ x: "stp", y: [] }), /^--x stp: no selected run has this field \(did you mean 'step'\?\)/);
    assert.match(
      err({ x: "step", y: ["los"] }),
      /^--y los: not a per-step metric of the selected runs \(did you mean 'loss'\?\); per-step metrics: loss, test_top1$/,
    );
  });

  it("step axes tick at whole steps; batch sizes are written as numbers", async () => {
    const steps = spec(db, { x: "step", y: ["loss"] });
    assert.deepEqual(steps.spec.layer[0].encoding.x.axis, { tickMinStep: 1, format: "d" });
    // Steps counted from 1, as messages count them (5 steps: 1 … 5).
    const stepTicks = texts(await renderSvg(steps));
    assert.deepEqual(stepTicks.slice(1, 7), ["1", "2", "3", "4", "5", "optimizer step"], `${stepTicks}`);
    for (const logX of [false, true]) {
      const batch = texts(await renderSvg(spec(db, { x: "train.batch_size", logX })));
      assert.ok(!batch.some((t) => /e\+/.test(t)), `no exponent notation: ${batch}`);
      assert.ok(batch.includes(logX ? "64" : "100"), `${batch}`);
    }
  });
});
