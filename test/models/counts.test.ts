// Parameter and FLOP counts against the paper's table (PAPER.md, Table of NFNet variants), computed from layer
// shapes without allocating weights. The table rounds (0.1M parameters, 0.01G MACs): nfx must round to the same
// digits. The exact official integers are pinned in official.test.ts.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { initBackend } from "../../src/core/engine/backend/backend.js";
import { buildModel, countModel, modelCatalog, resolveModelSpec } from "../../src/core/models/index.js";

// PAPER.md: params (millions) and MACs (billions) at test px, 1000 classes, RGB.
const PAPER = [
  { name: "nfnet-f0", params: 71.5e6, macs: 12.38e9, testPx: 256 },
  { name: "nfnet-f1", params: 132.6e6, macs: 35.54e9, testPx: 320 },
  { name: "nfnet-f2", params: 193.8e6, macs: 62.59e9, testPx: 352 },
  { name: "nfnet-f3", params: 254.9e6, macs: 114.76e9, testPx: 416 },
  { name: "nfnet-f4", params: 316.1e6, macs: 215.24e9, testPx: 512 },
  { name: "nfnet-f5", params: 377.2e6, macs: 289.76e9, testPx: 544 },
  { name: "nfnet-f6", params: 438.4e6, macs: 377.28e9, testPx: 576 },
  { name: "nfnet-f7", params: 499.5e6, macs: 478.78e9, testPx: 608 },
];

const relErr = (a: number, b: number) => Math.abs(a - b) / b;
/** Whether `exact` rounds to `rounded`, which was given to the nearest `unit`. */
const roundsTo = (exact: number, rounded: number, unit: number) => Math.abs(exact - rounded) <= unit / 2;

before(async () => {
  await initBackend("cpu");
});

describe("counts match the paper", () => {
  for (const row of PAPER) {
    it(`${row.name}: params and FLOPs round to the table's`, () => {
      const spec = resolveModelSpec({ name: row.name });
      assert.equal(spec.testPx, row.testPx);
      const c = countModel(spec, { px: row.testPx, inChannels: 3, numClasses: 1000 });
      assert.ok(roundsTo(c.params, row.params, 0.1e6), `${row.name} params ${c.params} vs ${row.params}`);
      assert.ok(roundsTo(c.macs, row.macs, 0.01e9), `${row.name} MACs ${c.macs} vs ${row.macs}`);
    });
  }

  it("NF-ResNet-50 has the official 25,557,048 parameters and ResNet-50's 4.1G MACs at 224 px", () => {
    const c = countModel(resolveModelSpec({ name: "nf-resnet-50" }), { px: 224, inChannels: 3, numClasses: 1000 });
    assert.equal(c.params, 25_557_048);
    assert.ok(relErr(c.macs, 4.09e9) < 0.01, `MACs ${c.macs}`);
  });

  it("the catalog (nfx models --json) carries name, params, flops, train_px, test_px for every variant", () => {
    const rows = modelCatalog();
    const f0 = rows.find((r) => r.name === "nfnet-f0");
    assert.ok(f0);
    assert.equal(f0.train_px, 192);
    assert.equal(f0.test_px, 256);
    assert.ok(roundsTo(f0.flops, 12.38e9, 0.01e9));
    for (const r of rows) {
      assert.ok(r.params > 0 && r.flops > 0 && r.train_px > 0 && r.test_px > 0, r.name);
    }
  });

  for (const name of ["nf-resnet-micro", "bn-resnet-micro", "nfnet-micro"]) {
    it(`${name}: the symbolic count equals the built model's variables`, () => {
      const spec = resolveModelSpec({ name });
      const model = buildModel(spec, { numClasses: 10, inputShape: [28, 28, 1], seed: 0 });
      const built = model.params.reduce((s, p) => s + p.variable.size, 0);
      model.dispose();
      assert.equal(built, countModel(spec, { px: 28, inChannels: 1, numClasses: 10 }).params);
    });
  }
});
