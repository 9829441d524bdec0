// The report's verdicts come from the data: constructed runs that support every claim give "holds", runs that
// contradict them give "does not hold", an empty store gives "not enough runs".
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { RunStore } from "../../src/core/store/runStore.js";
import { buildReport, claimsInOrder } from "../../src/experiments/report/buildReport.js";
import { decideInterval } from "../../src/experiments/report/decide.js";
import { addConstructedRuns, CONTRADICTS, SUPPORTS } from "../figures/constructedStore.js";
import { tempDir } from "../helpers.js";

function verdicts(report: Awaited<ReturnType<typeof buildReport>>["report"]): Record<number, string> {
  return Object.fromEntries(claimsInOrder(report).map(({ claim }) => [claim.rule.id, claim.verdict]));
}

describe("nfx report verdicts", () => {
  it("decides an interval against the margin", () => {
    assert.equal(decideInterval("better", 0.005, 0.001, 0.02), "holds");
    assert.equal(decideInterval("better", 0.005, -0.01, 0.004), "does not hold");
    assert.equal(decideInterval("better", 0.005, -0.01, 0.02), "not enough runs");
    assert.equal(decideInterval("notWorse", 0.01, -0.009, 0.02), "holds");
    assert.equal(decideInterval("notWorse", 0.01, -0.05, -0.02), "does not hold");
    assert.equal(decideInterval("small", 0.01, -0.005, 0.005), "holds");
    assert.equal(decideInterval("small", 0.01, 0.02, 0.05), "does not hold");
  });

  it("runs that support every claim: holds, with the evidence and the figure in HTML and markdown", async () => {
    const dir = tempDir();
    const db = path.join(dir, "nfx.db");
    for (const [figure, top1Of] of Object.entries(SUPPORTS)) addConstructedRuns(db, figure, top1Of);
    const out = path.join(dir, "report");
    const written = await buildReport({ preset: "quick", db, out, formats: ["json", "svg"] });
    assert.deepEqual(verdicts(written.report), {
      1: "holds",
      2: "holds",
      3: "holds",
      4: "holds",
      5: "holds",
      6: "holds",
      7: "holds",
      8: "holds",
      9: "holds",
      10: "holds",
    });
    const html = fs.readFileSync(written.html as string, "utf8");
    assert.match(
      html,
      /Claim 5: Not clipping the final linear layer is always better — <span class="holds">holds<\/span>/,
    );
    assert.match(html, /95% CI/);
    assert.match(html, /vegaEmbed\("#figure-5"/);
    const md = fs.readFileSync(written.markdown as string, "utf8");
    assert.match(md, /\| 5 \| Not clipping the final linear layer is always better \| \*\*holds\*\* \| exclusions \|/);
    assert.match(md, /classifier unclipped: 80\.\d% ± 0\.1 \(n=4; runs /);
  });

  it("runs constructed to contradict every claim: does not hold", async () => {
    const dir = tempDir();
    const db = path.join(dir, "nfx.db");
    for (const [figure, top1Of] of Object.entries(CONTRADICTS)) addConstructedRuns(db, figure, top1Of);
    const written = await buildReport({ preset: "quick", db, out: null });
    const v = verdicts(written.report);
    for (const id of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) assert.equal(v[id], "does not hold", `claim ${id}`);
  });

  it("an empty store: not enough runs, and the page says what to run", async () => {
    const dir = tempDir();
    const out = path.join(dir, "report");
    const db = path.join(dir, "empty.db");
    RunStore.open(db).close();
    const written = await buildReport({ preset: "quick", db, out });
    assert.ok(Object.values(verdicts(written.report)).every((v) => v === "not enough runs"));
    assert.match(fs.readFileSync(written.html as string, "utf8"), /nfx figure fig2a --preset quick --run-missing/);
  });

  it("a store that is not there (a mistyped --db): 'no such store', nothing written, not 'not enough runs'", async () => {
    const dir = tempDir();
    const out = path.join(dir, "report");
    const db = path.join(dir, "typo.db");
    await assert.rejects(buildReport({ preset: "quick", db, out }), new RegExp(`^Error: ${db}: no such store`));
    assert.equal(fs.existsSync(db), false, "no store created");
    assert.equal(fs.existsSync(out), false, "no report written");
  });
});
