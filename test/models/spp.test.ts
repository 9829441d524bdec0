// Signal propagation at initialization on CPU-scale variants (three blocks per stage, so that growth within a
// stage is visible). Skip gains are 1, as in `nfx spp`: at 0 every residual branch would be silent.
//
// What the β/α bookkeeping predicts: each non-transition block adds α²·Var(residual) to the output variance, and a
// transition block's output is a fresh WS conv of act(x)·β (variance ≈ 1) plus α²·Var(residual). The residual
// branch's variance is ≈ 1 only in expectation: on 28 px random images it measures 0.55–0.9 (WS makes each
// unit's weights unit-norm, but neighbouring activations are correlated and the deep stages see only 4×4 pixels),
// so the tolerances below admit per-block increments from ¼α² to 2α² and transition outputs from 0.6 to 1.3.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { initBackend } from "../../src/core/engine/backend/backend.js";
import { resolveModelSpec, type SignalPropagation, signalPropagation } from "../../src/core/models/index.js";
import { sppSpec } from "../../src/core/plot/sppSpec.js";

const ALPHA2 = 0.2 ** 2;

function spp(cfg: Record<string, unknown>): SignalPropagation {
  return signalPropagation(resolveModelSpec({ name: "nf-resnet-micro", depths: [3, 3, 3], ...cfg }), {
    batch: 32,
    seed: 0,
  });
}

before(async () => {
  await initBackend("wasm");
});

describe("signal propagation at init", () => {
  it("NF: output variance grows by ≈α² per block within a stage and returns to ≈1 after transitions", () => {
    const { blocks } = spp({});
    assert.equal(blocks.length, 9);
    for (const [i, b] of blocks.entries()) {
      const prev = blocks[i - 1];
      if (b.blockInStage === 0) {
        assert.ok(b.avgVar > 0.6 && b.avgVar < 1.3, `${b.name}: transition output variance ${b.avgVar}`);
        if (prev) assert.ok(b.avgVar < prev.avgVar, `${b.name}: variance resets (${b.avgVar} after ${prev.avgVar})`);
      } else if (prev) {
        const growth = b.avgVar - prev.avgVar;
        assert.ok(growth > ALPHA2 / 4 && growth < 2 * ALPHA2, `${b.name}: growth ${growth} vs α² = ${ALPHA2}`);
      }
      // The expected variance is the 1 + k·α² of the bookkeeping.
      assert.ok(Math.abs(b.expectedVar - (1 + (b.blockInStage + 1) * ALPHA2)) < 1e-9);
      // WS removes each conv's mean shift: channel means stay near zero.
      assert.ok(b.avgSqMean < 0.05, `${b.name}: squared mean ${b.avgSqMean}`);
    }
  });

  it("NF without weight standardization: the channel mean shift explodes with depth", () => {
    const ws = spp({}).blocks;
    const noWs = spp({ ws: false }).blocks;
    const first = noWs[0]?.avgSqMean ?? 0;
    const last = noWs.at(-1)?.avgSqMean ?? 0;
    const lastWs = ws.at(-1)?.avgSqMean ?? Number.POSITIVE_INFINITY;
    assert.ok(last > 1, `squared mean reaches ${last}`);
    assert.ok(last > 2 * first, `grows with depth: ${first} → ${last}`);
    assert.ok(last > 20 * lastWs, `${last} vs ${lastWs} with WS`);
  });

  it("BN baseline (batch statistics): variance grows within a stage and resets at each transition", () => {
    const { blocks } = signalPropagation(resolveModelSpec({ name: "bn-resnet-micro", depths: [3, 3, 3] }), {
      batch: 32,
      seed: 0,
    });
    for (const [i, b] of blocks.entries()) {
      const prev = blocks[i - 1];
      if (!prev) continue;
      if (b.blockInStage === 0) assert.ok(b.avgVar < prev.avgVar, `${b.name} resets`);
      else assert.ok(b.avgVar > prev.avgVar, `${b.name} grows`);
    }
  });

  it("the figure spec has one point per block, statistic and series", () => {
    const run = spp({ depths: [1, 1, 1] });
    const spec = sppSpec([{ spp: run }], "spp") as unknown as { data: { values: unknown[] } };
    assert.equal(spec.data.values.length, 3 * 4);
  });
});
