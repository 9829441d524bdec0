// The filter language: parse errors name the column; compiled SQL and in-memory evaluation agree on random
// expressions over a store of varied runs; values are bound, never spliced into SQL.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { configHash } from "../../src/core/config/hash.js";
import { resolveConfig } from "../../src/core/config/resolve.js";
import { runRow, seriesLabel } from "../../src/core/plot/runRows.js";
import { runLabel } from "../../src/core/plot/sweepPlot.js";
import { runsToCsv } from "../../src/core/store/exportTable.js";
import { queryRuns } from "../../src/core/store/runQuery.js";
import { type RunStatus, RunStore } from "../../src/core/store/runStore.js";
import { evaluateWhere, parseWhere, resolveField, whereToSql } from "../../src/core/store/where/index.js";
import { writeValue } from "../../src/core/text/writtenForm.js";
import { cell } from "../../src/ui/cells.js";

function storeWithRuns(): RunStore {
  const store = RunStore.open(":memory:");
  const statuses: RunStatus[] = ["completed", "diverged", "failed", "pending"];
  let i = 0;
  for (const lambda of [0.01, 0.04, 0.16, null]) {
    for (const batch of [64, 256, 1024]) {
      for (const seed of [0, 1]) {
        const cfg = resolveConfig({ agc: { lambda }, train: { batch_size: batch }, seed });
        const { id } = store.ensureRun(cfg, configHash(cfg), null);
        const status = statuses[i++ % statuses.length] as RunStatus;
        const top1 = status === "completed" ? 0.5 + (i % 7) / 20 : null;
        store.finishRun(
          id,
          status,
          top1 === null ? null : { test_top1: top1, final_loss: 1 - top1, steps: 10, images_per_s: 100 },
          null,
        );
      }
    }
  }
  return store;
}

/** A small seeded generator of random expressions. */
function randomExpr(next: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T;
  const atom = (): string => {
    const kind = pick(["cmp", "in", "null", "status", "top1"]);
    if (kind === "cmp")
      return `${pick(["agc.lambda", "train.batch_size", "seed"])} ${pick(["=", "!=", "<", "<=", ">", ">="])} ${pick(["0.04", "256", "1", "null"])}`;
    if (kind === "in") return `train.batch_size ${pick(["in", "not in"])} (${pick(["64, 1024", "256", "64, null"])})`;
    if (kind === "null") return `agc.lambda is ${pick(["", "not "])}null`;
    if (kind === "status") return `status = '${pick(["completed", "diverged", "failed"])}'`;
    return `test_top1 ${pick(["<", ">="])} 0.7`;
  };
  const expr = (depth: number): string => {
    if (depth === 0 || next() < 0.3) return atom();
    const op = pick(["and", "or", "not"]);
    return op === "not" ? `not (${expr(depth - 1)})` : `(${expr(depth - 1)}) ${op} ${expr(depth - 1)}`;
  };
  return expr(3);
}

describe("filter language", () => {
  it("parses precedence: or < and < not", () => {
    const e = parseWhere("a.b = 1 or c = 2 and not d = 3");
    assert.equal(e.kind, "or");
    assert.equal(e.kind === "or" && e.right.kind, "and");
  });

  it("names the column of a syntax error", () => {
    assert.throws(() => parseWhere("agc.lambda <= "), /at column 15: expected a field or a value/);
    assert.throws(() => parseWhere("status = 'x"), /at column 10: unterminated string/);
    assert.throws(() => parseWhere("seed in (1, 2"), /at column 14: expected '\)'/);
    assert.throws(() => parseWhere("seed = 1 seed"), /at column 10: unexpected 'seed'/);
    assert.throws(() => parseWhere("seed ~ 1"), /at column 6: unexpected character '~'/);
    assert.throws(() => resolveField("agc.lamda"), /did you mean 'agc.lambda'/);
  });

  it("the issue's example selects what it says", () => {
    const store = storeWithRuns();
    const runs = queryRuns(store, {
      where: "agc.lambda <= 0.04 and train.batch_size in (256, 1024) or status = 'diverged'",
    });
    assert.ok(runs.length > 0);
    for (const r of runs) {
      const a =
        r.config.agc.lambda !== null && r.config.agc.lambda <= 0.04 && [256, 1024].includes(r.config.train.batch_size);
      assert.ok(a || r.status === "diverged", `run ${r.id}`);
    }
    store.close();
  });

  it("SQL and in-memory evaluation agree on 300 random expressions", () => {
    const store = storeWithRuns();
    const all = queryRuns(store, {});
    let s = 12345;
    const next = () => {
      s = (s * 1103515245 + 12345) % 2147483648;
      return s / 2147483648;
    };
    for (let i = 0; i < 300; i++) {
      const text = randomExpr(next);
      const sqlIds = queryRuns(store, { where: text }).map((r) => r.id);
      const e = parseWhere(text);
      const jsIds = all.filter((r) => evaluateWhere(e, (name) => resolveField(name).value(r))).map((r) => r.id);
      assert.deepEqual(sqlIds, jsIds, text);
    }
    store.close();
  });

  it("binds values: a quote in a string cannot change the query", () => {
    const store = storeWithRuns();
    const { sql, params } = whereToSql(parseWhere("status = 'x'' OR 1=1 --'"));
    assert.doesNotMatch(sql, /1=1/);
    assert.deepEqual(params, ["x' OR 1=1 --"]);
    assert.equal(queryRuns(store, { where: "status = 'x'' OR 1=1 --'" }).length, 0);
    store.close();
  });

  it("sorts by fields, descending with '-'", () => {
    const store = storeWithRuns();
    const runs = queryRuns(store, { where: "status = 'completed'", sort: "-test_top1,agc.lambda" });
    const tops = runs.map((r) => r.summary?.test_top1 as number);
    assert.deepEqual(
      tops,
      [...tops].sort((a, b) => b - a),
    );
    store.close();
  });
});

describe("lists in the filter language (issue 15 item 7)", () => {
  const EXCLUDES = [[], ["classifier_weight"], ["stem_conv", "classifier_weight"], ["stem_conv"]];
  function storeWithExclusions(): RunStore {
    const store = RunStore.open(":memory:");
    for (const exclude of EXCLUDES) {
      const cfg = resolveConfig({ agc: { lambda: 0.01, exclude } });
      const { id } = store.ensureRun(cfg, configHash(cfg), null);
      store.finishRun(id, "completed", { test_top1: 0.8, final_loss: 0.5, steps: 1, images_per_s: 1 }, null);
    }
    return store;
  }
  const written = (store: RunStore, where: string) =>
    queryRuns(store, { where }).map((r) => writeValue(r.config.agc.exclude));

  it("`=` matches the written form tables and legends show; contains tests one role; SQL and memory agree", () => {
    const store = storeWithExclusions();
    const all = queryRuns(store, {});
    assert.deepEqual(all.map((r) => writeValue(r.config.agc.exclude)).sort(), [
      "classifier_weight",
      "classifier_weight,stem_conv",
      "none",
      "stem_conv",
    ]);
    assert.deepEqual(written(store, "agc.exclude = 'classifier_weight'"), ["classifier_weight"]);
    assert.deepEqual(written(store, "agc.exclude = 'stem_conv, classifier_weight'"), ["classifier_weight,stem_conv"]);
    assert.deepEqual(written(store, "agc.exclude = 'none'"), ["none"]);
    assert.deepEqual(written(store, "agc.exclude contains 'stem_conv'").sort(), [
      "classifier_weight,stem_conv",
      "stem_conv",
    ]);
    assert.deepEqual(written(store, "agc.exclude not contains 'classifier_weight'").sort(), ["none", "stem_conv"]);
    assert.deepEqual(written(store, "agc.exclude in ('stem_conv', 'none')").sort(), ["none", "stem_conv"]);
    assert.deepEqual(written(store, "agc.exclude like '%stem%'").sort(), ["classifier_weight,stem_conv", "stem_conv"]);
    for (const text of [
      "agc.exclude = 'classifier_weight'",
      "agc.exclude != 'classifier_weight+stem_conv'",
      "agc.exclude contains 'stem_conv' or agc.exclude = 'none'",
      "not agc.exclude contains 'classifier_weight'",
      "agc.exclude in ('stem_conv', 'none')",
      "agc.exclude like '%weight%'",
    ]) {
      const e = parseWhere(text);
      const jsIds = all.filter((r) => evaluateWhere(e, (name) => resolveField(name).value(r))).map((r) => r.id);
      assert.deepEqual(
        queryRuns(store, { where: text }).map((r) => r.id),
        jsIds,
        text,
      );
    }
    assert.throws(() => parseWhere("agc.exclude contains"), /expected a value after 'contains'/);
    store.close();
  });

  it("one written form in tables, CSV, legends and sweep labels", () => {
    const store = storeWithExclusions();
    const run = queryRuns(store, {
      where: "agc.exclude contains 'stem_conv' and agc.exclude contains 'classifier_weight'",
    })[0];
    assert.ok(run);
    assert.equal(cell(run.config.agc.exclude), "classifier_weight,stem_conv");
    assert.match(runsToCsv([run]), /,"classifier_weight,stem_conv",/);
    assert.equal(runRow(run)["agc.exclude"], "classifier_weight,stem_conv");
    assert.equal(seriesLabel(run, ["agc.exclude"]), "unclipped=classifier_weight,stem_conv");
    assert.equal(runLabel({ "agc.exclude": run.config.agc.exclude }, run), "unclipped=classifier_weight,stem_conv");
    const none = queryRuns(store, { where: "agc.exclude = 'none'" })[0];
    assert.ok(none);
    assert.equal(cell(none.config.agc.exclude), "none");
    assert.equal(runRow(none)["agc.exclude"], "none");
    store.close();
  });
});
