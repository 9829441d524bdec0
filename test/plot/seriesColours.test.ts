// Series colours: vega's default scheme repeats after 10 colours, so an 11th series would read as the 1st. Up to 20
// series get distinct colours (tableau20); past 20 the subtitle says the colours repeat.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { aggregate } from "../../src/core/plot/aggregate.js";
import { metricRange } from "../../src/core/plot/bands.js";
import { meanCiSpec, seriesCount } from "../../src/core/plot/meanCiSpec.js";
import type { RunRow } from "../../src/core/plot/runRows.js";
import { MAX_DISTINCT_SERIES, seriesNote, seriesScale } from "../../src/core/plot/seriesColours.js";

/** `n` series of 2 seeds each at λ 0.01 and 0.1: top-1 rows as the figures read them. */
function rows(n: number): RunRow[] {
  const out: RunRow[] = [];
  for (let s = 0; s < n; s++)
    for (const lambda of [0.01, 0.1])
      for (const seed of [0, 1]) out.push({ series: `s${s}`, "agc.lambda": lambda, seed, top1: 0.5 + seed / 100 });
  return out;
}

function colourScale(n: number) {
  const band = { kind: "range" as const, range: metricRange("top1") };
  const points = aggregate(rows(n), ["series", "agc.lambda"], "top1", band);
  const spec = meanCiSpec({
    title: "t",
    subtitle: [],
    points,
    x: { field: "agc.lambda", title: "λ", scale: "log" },
    y: { title: "top-1" },
    band,
    color: { field: "series", title: "series" },
  });
  assert.equal(seriesCount({ color: { field: "series", title: null }, points }), n);
  const scales = JSON.stringify(spec).match(/"scheme":"(tableau\d+)"/g) ?? [];
  return [...new Set(scales)];
}

describe("series colours", () => {
  it("10 series keep tableau10; 11 to 20 take tableau20, so no two series share a colour", () => {
    assert.deepEqual(colourScale(10), ['"scheme":"tableau10"']);
    assert.deepEqual(colourScale(11), ['"scheme":"tableau20"']);
    assert.deepEqual(colourScale(20), ['"scheme":"tableau20"']);
    assert.deepEqual(seriesScale(1), { scheme: "tableau10" });
  });

  it("past 20 series the subtitle says the colours repeat; up to 20 it says nothing", () => {
    assert.equal(seriesNote(MAX_DISTINCT_SERIES), null);
    assert.match(seriesNote(25) ?? "", /^25 series: colours repeat past 20/);
  });
});
