// Full-size variants laid out symbolically: shapes, β/α bookkeeping, stochastic-depth rates and parameter roles,
// without allocating their weights.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MODEL_VARIANTS, PARAM_ROLES, planModel, resolveModelSpec } from "../../src/core/models/index.js";

const close = (a: number, b: number, tol = 1e-9) => assert.ok(Math.abs(a - b) <= tol, `${a} ≉ ${b}`);

describe("full-size plans", () => {
  it("NFNet-F0 at 192 px: stem to 48×48×128, 12 blocks, grouped widths 1/2/6/6, head 6×6×3072", () => {
    const plan = planModel(resolveModelSpec({ name: "nfnet-f0" }), { inputShape: [192, 192, 3], numClasses: 1000 });
    assert.deepEqual(plan.stemOutHW, [48, 48]);
    assert.equal(plan.stem.at(-1)?.cout, 128);
    assert.equal(plan.blocks.length, 12);
    const groupsByStage = [1, 2, 3, 4].map((s) => plan.blocks.find((b) => b.stage === s)?.groups);
    assert.deepEqual(groupsByStage, [1, 2, 6, 6]);
    assert.deepEqual(plan.blocks.at(-1)?.outHW, [6, 6]);
    assert.equal(plan.featureChannels, 3072);
    // Every block: conv0, conv1, conv1b, conv2; SE hidden = half the output width.
    for (const b of plan.blocks) {
      assert.equal(b.convs.length, 4);
      assert.equal(b.se?.hidden, b.outCh / 2);
    }
  });

  it("NFNet β/α bookkeeping: reset after each transition block, one block of growth kept", () => {
    const plan = planModel(resolveModelSpec({ name: "nfnet-f0" }), { inputShape: [192, 192, 3], numClasses: 1000 });
    const a2 = 0.2 ** 2;
    const beta = Object.fromEntries(plan.blocks.map((b) => [b.name, b.beta]));
    close(beta["stage1.block0"] as number, 1);
    close(beta["stage2.block0"] as number, 1 / Math.sqrt(1 + a2));
    close(beta["stage2.block1"] as number, 1 / Math.sqrt(1 + a2));
    close(beta["stage3.block0"] as number, 1 / Math.sqrt(1 + 2 * a2));
    close(beta["stage3.block5"] as number, 1 / Math.sqrt(1 + 5 * a2));
    close(beta["stage4.block0"] as number, 1 / Math.sqrt(1 + 6 * a2));
    plan.blocks.forEach((b, i) => {
      close(b.stochDepthRate, (0.25 * i) / 12);
      close(b.alpha, 0.2);
    });
  });

  it("NF-ResNet-50 at 224 px: 16 blocks, strided 1×1 shortcuts, 7×7×2048 features", () => {
    const plan = planModel(resolveModelSpec({ name: "nf-resnet-50" }), { inputShape: [224, 224, 3], numClasses: 1000 });
    assert.deepEqual(plan.stemOutHW, [56, 56]);
    assert.equal(plan.blocks.length, 16);
    assert.deepEqual(plan.blocks.at(-1)?.outHW, [7, 7]);
    assert.equal(plan.featureChannels, 2048);
    const transition = plan.blocks.find((b) => b.name === "stage2.block0");
    assert.equal(transition?.shortcut?.stride, 2);
    assert.equal(transition?.shortcutPool, false);
    // The official WSConv2D always adds a bias, so the official NF-ResNet's stem conv has one (issue 19).
    assert.deepEqual(plan.stem[0]?.bias?.shape, [64], "the 7×7 stem conv has a bias");
    const ablated = planModel(resolveModelSpec({ name: "nf-resnet-50", stemBias: false }), {
      inputShape: [224, 224, 3],
      numClasses: 1000,
    });
    assert.equal(ablated.stem[0]?.bias, null, "stemBias: false removes it");
  });

  for (const spec of MODEL_VARIANTS) {
    it(`${spec.name}: every parameter has a known role and a layer; names are unique`, () => {
      const plan = planModel(spec, {
        inputShape: [spec.trainPx, spec.trainPx, spec.inChannels],
        numClasses: spec.numClasses,
      });
      const names = new Set<string>();
      for (const p of [...plan.params, ...plan.state]) {
        assert.ok((PARAM_ROLES as readonly string[]).includes(p.role), `${p.name}: ${p.role}`);
        assert.ok(p.name.startsWith(`${p.layer}.`), `${p.name} belongs to ${p.layer}`);
        assert.ok(!names.has(p.name), `duplicate ${p.name}`);
        names.add(p.name);
      }
      assert.equal(plan.params[0]?.role, "stem_conv", "the first parameter is the first conv");
      assert.equal(plan.params.filter((p) => p.role === "classifier_weight").length, 1);
      assert.equal(plan.params.filter((p) => p.role === "classifier_bias").length, 1);
      const roles = new Set(plan.params.map((p) => p.role));
      if (spec.norm === "none") {
        assert.equal(plan.state.length, 0);
        assert.equal(plan.params.filter((p) => p.role === "skip_gain").length, plan.blocks.length);
        assert.ok(roles.has("gain") && roles.has("shortcut_conv"));
        assert.ok(!roles.has("bn_scale"));
      } else {
        assert.ok(roles.has("bn_scale") && roles.has("bn_offset"));
        assert.ok(!roles.has("gain") && !roles.has("skip_gain"));
        assert.ok(plan.state.every((p) => p.role === "bn_mean" || p.role === "bn_var"));
      }
      assert.equal(roles.has("se_weight"), spec.se);
    });
  }
});
