// nfx's own models under AGC's official unit rule (issue 25.5 / 27.10): for every model every preset in configs/
// builds, each parameter's units are the ones the rule before it gave (the last axis of a rank ≥ 2 HWIO conv or
// [in, out] dense kernel; a vector or scalar one unit), so no preset's training changes with the rule. The rule
// differs only on a tensor that squeezes to a vector with its one non-1 axis last ([1,C], [1,1,1,C]) or on rank 3
// (none here); a config reaches [1,C] with an SE hidden width of 1 (e.g. nf-resnet-micro, se, seRatio 0.01).
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { describe, it } from "node:test";
import { officialUnitAxes } from "../../src/core/agc/agc.js";
import { datasetFacts, imageSizeOf } from "../../src/core/data/datasets.js";
import { planModel } from "../../src/core/models/plan.js";
import { resolveModelSpec } from "../../src/core/models/resolve.js";
import { loadSweepFile } from "../../src/core/sweep/expand.js";

/** The unit axes nfx used before the official rule: the last axis of rank ≥ 2, none for a vector or scalar. */
const lastAxis = (shape: number[]) => (shape.length <= 1 ? [] : [shape.length - 1]);
/** The units as sets of element indices would be overkill: the reduced axes and unit count decide them. */
const units = (shape: number[], axes: number[]) => axes.reduce((n, a) => n * (shape[a] as number), 1);
const same = (shape: number[]) => {
  const now = officialUnitAxes(shape) as number[];
  const before = lastAxis(shape);
  // Same units: the same axes, or one unit either way (a last axis of size 1 keeps nothing apart).
  return JSON.stringify(now) === JSON.stringify(before) || (units(shape, now) === 1 && units(shape, before) === 1);
};

function paramShapes(file: string): Map<string, number[]> {
  const shapes = new Map<string, number[]>();
  for (const run of loadSweepFile(file).runs) {
    const c = run.config;
    const facts = datasetFacts(c.data.name);
    const px = imageSizeOf(c.data);
    if (!facts || px === null) continue;
    const plan = planModel(resolveModelSpec(c.model), {
      inputShape: [px, px, facts.channels],
      numClasses: facts.classes ?? 10,
    });
    for (const p of plan.params) shapes.set(`${c.model.name} ${p.name} [${p.shape}]`, p.shape);
  }
  return shapes;
}

describe("every preset's models keep their AGC units under the official rule", () => {
  const files = readdirSync("configs").filter((f) => f.endsWith(".yaml"));
  for (const f of files) {
    it(f, () => {
      const shapes = paramShapes(`configs/${f}`);
      assert.ok(shapes.size > 0);
      const changed = [...shapes].filter(([, s]) => !same(s)).map(([k]) => k);
      assert.deepEqual(changed, []);
    });
  }

  it("the rule does change an SE of hidden width 1 (nf-resnet-micro, se, seRatio 0.01): its [1,C] expand weight", () => {
    const spec = resolveModelSpec({ name: "nf-resnet-micro", se: true, seRatio: 0.01 } as never);
    const plan = planModel(spec, { inputShape: [28, 28, 1], numClasses: 10 });
    const changed = plan.params.filter((p) => !same(p.shape)).map((p) => `${p.role} [${p.shape}]`);
    assert.ok(changed.length > 0 && changed.every((c) => /^se_weight \[1,\d+\]$/.test(c)), changed.join(", "));
  });
});
