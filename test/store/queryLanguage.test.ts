// The query language as a new user meets it (issue 27, items 8, 9 and 16): SQL that opens with comments runs;
// runs without a value sort last in either direction; one name and one unit per run field (`top1` in --where as
// in nfx plot, `35%` in --where, top-1s printed as percentages in every table).
import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import { sqlAsArgument } from "../../src/commands/query.js";
import { configHash } from "../../src/core/config/hash.js";
import { resolveConfig } from "../../src/core/config/resolve.js";
import { groupRuns } from "../../src/core/store/groupRuns.js";
import { readonlyQuery, statementText } from "../../src/core/store/readonlyQuery.js";
import { queryRuns, runColumns } from "../../src/core/store/runQuery.js";
import { type RunStatus, RunStore } from "../../src/core/store/runStore.js";
import { evaluateWhere, fieldUnit, parseWhere, RUN_FIELDS, resolveField } from "../../src/core/store/where/index.js";
import { formatLoss, significant } from "../../src/core/text/numbers.js";
import { fieldCell, meanCiCell } from "../../src/ui/cells.js";
import { nfx } from "../e2e/sweepHelpers.js";
import { tempDir } from "../helpers.js";

/** Runs: two completed (top-1 0.336 and 0.58), one diverged without a loss, one collapsed, one pending. */
function store(file = ":memory:"): RunStore {
  const s = RunStore.open(file);
  const rows: [RunStatus, number | null, number | null][] = [
    ["completed", 0.336, 1.25],
    ["diverged", null, null],
    ["completed", 0.58, 0.75],
    ["collapsed", 0.11, Math.LN10],
    ["pending", null, null],
  ];
  rows.forEach(([status, top1, loss], seed) => {
    const cfg = resolveConfig({ seed, agc: { lambda: seed === 0 ? null : 0.01 * seed } });
    const { id } = s.ensureRun(cfg, configHash(cfg), null);
    if (status !== "pending") {
      const summary = top1 === null ? null : { test_top1: top1, final_loss: loss as number, steps: 3, images_per_s: 1 };
      s.finishRun(id, status, summary, status === "diverged" ? "loss NaN at step 2" : null);
    }
  });
  return s;
}

const ids = (s: RunStore, sort: string, where?: string) => queryRuns(s, { sort, where }).map((r) => r.id);

describe("nfx query: SQL opening with comments (item 8)", () => {
  const dir = tempDir();
  const db = path.join(dir, "q.db");
  store(db).close();

  it("a leading -- comment or /* comment */ before a SELECT runs", () => {
    for (const sql of [
      "-- comment\nSELECT count(*) AS n FROM runs",
      "/* c */ SELECT count(*) AS n FROM runs",
      "  -- one\n  /* two\n lines */ -- three\nWITH x AS (SELECT 1) SELECT count(*) AS n FROM runs;",
    ]) {
      assert.deepEqual(readonlyQuery(db, sql).rows, [{ n: 5 }], sql);
    }
    assert.equal(statementText("-- a\n/* b */ select 1"), "select 1");
  });

  it("a write behind a comment is refused, naming the statement's keyword", () => {
    assert.throws(() => readonlyQuery(db, "-- tidy up\nDELETE FROM runs"), /refusing 'DELETE'/);
    assert.throws(() => readonlyQuery(db, "/* x */ PRAGMA user_version = 3"), /refusing 'PRAGMA'/);
    assert.throws(() => readonlyQuery(db, "-- only a comment"), /refusing '\(no statement\)'/);
    assert.deepEqual(readonlyQuery(db, "SELECT count(*) AS n FROM runs").rows, [{ n: 5 }], "nothing deleted");
  });

  it("an argument that starts with '-' but is no flag is the SQL argument", () => {
    const sql = "-- comment\nSELECT 1";
    assert.deepEqual(sqlAsArgument([sql, "--db", "x.db"]), ["--db", "x.db", "--", sql]);
    assert.deepEqual(sqlAsArgument(["--json", "--db=my dir/x.db", sql]), ["--json", "--db=my dir/x.db", "--", sql]);
    assert.deepEqual(sqlAsArgument(["--", sql]), ["--", sql], "an explicit -- is kept as written");
    assert.deepEqual(sqlAsArgument(["SELECT 1", "--json"]), ["SELECT 1", "--json"]);
    assert.deepEqual(sqlAsArgument(["--nope"]), ["--nope"], "an unknown flag stays a flag (the parser names it)");
  });
});

describe('through the CLI: nfx query "$(cat q.sql)" and nfx runs', () => {
  const dir = tempDir();
  store(path.join(dir, "nfx.db")).close();

  it("a file's SQL opening with a -- comment runs, before or after the flags, and after an explicit --", () => {
    const sql = "-- runs per status\nSELECT status, count(*) AS n FROM runs GROUP BY status ORDER BY status";
    for (const argv of [
      ["query", sql, "--db", "nfx.db", "--json"],
      ["query", "--db", "nfx.db", "--json", sql],
      ["query", "--db", "nfx.db", "--json", "--", sql],
      ["query", "--json", "--db", "nfx.db", `/* c */ ${sql.split("\n")[1]}`],
    ]) {
      const r = nfx(argv, dir);
      assert.equal(r.status, 0, `${argv.join(" ")}: ${r.stderr}`);
      assert.equal(JSON.parse(r.stdout).length, 4);
    }
  });

  it("nfx runs: --sort final_loss lists the diverged run last; --columns test_top1 prints 33.60%; --where 35%", () => {
    const r = nfx(["runs", "--db", "nfx.db", "--sort", "final_loss", "--columns", "id,test_top1,final_loss"], dir);
    assert.equal(r.status, 0, r.stderr);
    const rows = r.stdout
      .trim()
      .split("\n")
      .slice(2)
      .filter((l) => /^\d/.test(l)) // the table's rows, not the note on collapsed runs under it
      .map((l) => l.split(/\s+/));
    assert.deepEqual(rows, [
      ["3", "58.00%", "0.75"],
      ["1", "33.60%", "1.25"],
      ["4", "11.00%", "2.303"],
      ["2", "—", "—"],
      ["5", "—", "—"],
    ]);
    const json = nfx(
      ["runs", "--db", "nfx.db", "--where", "test_top1 > 35%", "--columns", "id,test_top1", "--json"],
      dir,
    );
    assert.deepEqual(JSON.parse(json.stdout), [{ id: 3, test_top1: 0.58 }], "--json keeps the stored fraction");
  });
});

describe("runs without a value sort last in either direction (item 9)", () => {
  it("final_loss, test_top1, top1 and a config key with nulls", () => {
    const s = store();
    assert.deepEqual(ids(s, "final_loss"), [3, 1, 4, 2, 5]);
    assert.deepEqual(ids(s, "-final_loss"), [4, 1, 3, 2, 5]);
    assert.deepEqual(ids(s, "-test_top1"), [3, 1, 4, 2, 5]);
    assert.deepEqual(ids(s, "test_top1"), [4, 1, 3, 2, 5]);
    // top1: the diverged run counts at chance (0.1), below the collapsed 0.11; the pending run has none.
    assert.deepEqual(ids(s, "-top1"), [3, 1, 4, 2, 5]);
    assert.deepEqual(ids(s, "top1"), [2, 4, 1, 3, 5]);
    assert.deepEqual(ids(s, "-agc.lambda"), [5, 4, 3, 2, 1]);
    assert.deepEqual(ids(s, "agc.lambda"), [2, 3, 4, 5, 1]);
    s.close();
  });
});

describe("one name, one unit (item 16)", () => {
  it("top1 is a field of --where, --sort, --columns and --group-by, SQL and memory agreeing", () => {
    const s = store();
    assert.deepEqual(ids(s, "id", "top1 < 0.2"), [2, 4]);
    assert.deepEqual(ids(s, "id", "top1 is null"), [5]);
    const all = queryRuns(s, {});
    for (const where of ["top1 < 0.2", "top1 >= 33.6%", "test_top1 > 35%", "top1 in (10%, 58%)"]) {
      const mem = all.filter((r) => evaluateWhere(parseWhere(where), (f) => resolveField(f).value(r))).map((r) => r.id);
      assert.deepEqual(ids(s, "id", where), mem, where);
    }
    assert.deepEqual(runColumns(queryRuns(s, { where: "id = 2" }), ["top1", "run_id"]), [{ top1: 0.1, run_id: 2 }]);
    const diverged = groupRuns(all, ["status"], ["top1"]).find((g) => g.key.status === "diverged");
    assert.equal(diverged?.metrics.top1?.mean, 0.1, "a diverged run's top1 is chance level");
    s.close();
  });

  it("percentages in --where: 35% is 0.35; only against a top-1", () => {
    const s = store();
    assert.deepEqual(ids(s, "id", "test_top1 > 35%"), [3]);
    assert.deepEqual(ids(s, "id", "test_top1 = 33.6%"), [1]);
    assert.deepEqual(ids(s, "id", "test_top1 > 0.35"), [3]);
    assert.throws(() => queryRuns(s, { where: "agc.lambda < 1%" }), /at column 14: a percentage compares with a top-1/);
    assert.throws(() => queryRuns(s, { where: "10% > final_loss" }), /at column 1: a percentage/);
    assert.deepEqual(parseWhere("test_top1 > 0.07%"), parseWhere("test_top1 > 0.0007"));
    s.close();
  });

  it("every table prints a top-1 as a percentage and a loss with four significant digits", () => {
    assert.equal(fieldCell("test_top1", 0.336), "33.60%");
    assert.equal(fieldCell("summary.test_top1", 0.336), "33.60%");
    assert.equal(fieldCell("top1", 0.1), "10.00%");
    assert.equal(fieldCell("test_top1", null), "—");
    assert.equal(fieldCell("final_loss", Math.LN10), "2.303");
    assert.equal(fieldCell("agc.lambda", null), "none");
    assert.equal(meanCiCell("top1", { n: 2, mean: 0.458, ci95: 0.1, std: 0.1 }), "45.80% ± 10.00% (n=2)");
    assert.equal(formatLoss(Math.LN10), "2.303");
    assert.equal(formatLoss(1234.5678901234567), "1235");
    assert.equal(significant(123456.78), "123457");
    assert.equal(formatLoss(Number.NaN), "NaN");
  });

  it("the field table: every run field has a unit, and the top-1s are fractions", () => {
    for (const [name, f] of Object.entries(RUN_FIELDS)) assert.ok(f.unit && f.doc, name);
    assert.equal(fieldUnit("test_top1"), "fraction");
    assert.equal(fieldUnit("top1"), "fraction");
    assert.equal(fieldUnit("final_loss"), "loss");
    assert.equal(fieldUnit("lambda"), "config");
    assert.equal(fieldUnit("nonsense"), null);
  });
});
