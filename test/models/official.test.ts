// Every official variant nfx offers is the official network parameter for parameter: the same tensors (names
// mapped by officialParamNames, same shapes) and the same integer count as DeepMind's code, read from
// reference/fixtures/official-counts.json (made by reference/official_nfnets.py with the official code). Exact:
// a one-bias difference (NF-ResNet-50's stem, issue 19) hid for long inside a 0.5% tolerance.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { initBackend } from "../../src/core/engine/backend/backend.js";
import {
  buildModel,
  countModel,
  MODEL_VARIANTS,
  modelCatalog,
  OFFICIAL_VARIANTS,
  officialParamNames,
  officialVariant,
  planModel,
  resolveModelSpec,
} from "../../src/core/models/index.js";
import { nfx } from "../e2e/sweepHelpers.js";
import { tempDir } from "../helpers.js";
import { officialCounts, officialNets } from "./officialFixtures.js";

const COUNTS = officialCounts();

describe("official variants equal the official code exactly", () => {
  it("the fixture covers exactly the variants nfx calls official", () => {
    assert.deepEqual(Object.keys(COUNTS).sort(), Object.keys(OFFICIAL_VARIANTS).sort());
    for (const [name, c] of Object.entries(COUNTS)) {
      const v = officialVariant(name);
      assert.equal(c.official, `${v?.model} ${v?.variant}`, name);
    }
  });

  for (const [name, official] of Object.entries(COUNTS)) {
    it(`${name} (${official.official}): ${official.params.toLocaleString("en-US")} parameters in ${official.tensor_count} tensors, names and shapes equal`, () => {
      const spec = resolveModelSpec({ name });
      const plan = planModel(spec, { inputShape: [official.px, official.px, 3], numClasses: 1000 });
      const names = officialParamNames(plan);
      const ours = new Map(names.map(({ nfx, official: o }) => [o, plan.params.find((p) => p.name === nfx)?.shape]));
      assert.equal(ours.size, names.length, "two nfx parameters map to one official name");
      const missing = Object.keys(official.tensors).filter((k) => !ours.has(k));
      const extra = [...ours.keys()].filter((k) => !(k in official.tensors));
      assert.deepEqual({ missing, extra }, { missing: [], extra: [] }, "tensor names differ");
      for (const [k, shape] of Object.entries(official.tensors)) assert.deepEqual(ours.get(k), shape, k);
      assert.equal(countModel(spec, { px: official.px, inChannels: 3, numClasses: 1000 }).params, official.params);
      if (official.macs !== undefined) {
        assert.equal(plan.macs, official.macs, "multiply-accumulates equal the official count_flops");
      }
    });
  }

  it("nfx models --json: each row says whether it is official; nf-resnet-50 has 25,557,048 parameters", () => {
    const rows = modelCatalog();
    assert.equal(rows.find((r) => r.name === "nf-resnet-50")?.params, 25_557_048);
    assert.equal(rows.find((r) => r.name === "nf-resnet-50")?.official, "NF_ResNet ResNet50");
    assert.equal(rows.find((r) => r.name === "nfnet-f3")?.official, "NFNet F3");
    for (const r of rows) {
      const counted = COUNTS[r.name];
      if (counted) assert.equal(r.params, counted.params, r.name);
      else assert.equal(r.official, null, `${r.name} exists only in nfx`);
    }
    for (const name of ["nf-resnet-26", "bn-resnet-50", "nf-resnet-micro", "bn-resnet-micro", "nfnet-micro"]) {
      assert.equal(rows.find((r) => r.name === name)?.official, null, name);
    }
  });

  it("the CLI: nfx models --json gives nf-resnet-50 25,557,048 parameters; the table marks nfx-only rows", () => {
    const json = nfx(["models", "--json"], tempDir());
    assert.equal(json.status, 0, json.stderr);
    const rows = JSON.parse(json.stdout) as { name: string; params: number; official: string | null }[];
    assert.deepEqual(
      rows.filter((r) => r.name.startsWith("nf-resnet-")).map((r) => [r.name, r.params, r.official]),
      [
        ["nf-resnet-26", 15_995_184, null],
        ["nf-resnet-50", 25_557_048, "NF_ResNet ResNet50"],
        ["nf-resnet-101", 44_549_193, "NF_ResNet ResNet101"],
        ["nf-resnet-micro", 78_077, null],
      ],
    );
    const table = nfx(["models"], tempDir());
    assert.equal(table.status, 0, table.stderr);
    assert.match(table.stdout, /nf-resnet-50 .* 25,557,048 .* NF_ResNet ResNet50/);
    assert.match(table.stdout, /nfnet-micro .* nfx only/);
  });
});

describe("official parameter names", () => {
  it("map one to one on every NF variant, micro and custom ones included", () => {
    for (const spec of MODEL_VARIANTS.filter((v) => v.norm === "none")) {
      const plan = planModel(spec, { inputShape: [spec.testPx, spec.testPx, spec.inChannels], numClasses: 10 });
      const names = officialParamNames(plan);
      assert.equal(names.length, plan.params.length, spec.name);
      assert.equal(new Set(names.map((n) => n.official)).size, names.length, `${spec.name}: official names unique`);
    }
    const se = planModel(resolveModelSpec({ name: "nf-resnet-50", se: true }), {
      inputShape: [224, 224, 3],
      numClasses: 1000,
    });
    const seNames = officialParamNames(se).map((n) => n.official);
    assert.ok(seNames.includes("NF_ResNet/~/nf_res_block_15/~/squeeze_excite/~/linear_1/b"));
  });

  it("read as the official code writes them", () => {
    const plan = planModel(resolveModelSpec({ name: "nfnet-f0" }), { inputShape: [256, 256, 3], numClasses: 1000 });
    const map = new Map(officialParamNames(plan).map(({ nfx, official }) => [nfx, official]));
    assert.equal(map.get("stem.conv3.bias"), "NFNet/~/stem_conv3/bias");
    assert.equal(map.get("stage1.block0.skip_gain"), "NFNet/~/nf_block/skip_gain");
    assert.equal(map.get("stage2.block1.conv1b.gain"), "NFNet/~/nf_block_2/~/conv1b/gain");
    assert.equal(map.get("stage3.block0.se.fc0.w"), "NFNet/~/nf_block_3/~/squeeze_excite/~/linear/w");
    assert.equal(map.get("stage4.block2.conv_shortcut.w"), undefined);
    assert.equal(map.get("stage4.block0.conv_shortcut.w"), "NFNet/~/nf_block_9/~/conv_shortcut/w");
    assert.equal(map.get("head.final_conv.w"), "NFNet/~/final_conv/w");
    assert.equal(map.get("head.classifier.b"), "NFNet/~/linear/b");
    const r50 = planModel(resolveModelSpec({ name: "nf-resnet-50" }), { inputShape: [224, 224, 3], numClasses: 1000 });
    const r50Map = new Map(officialParamNames(r50).map(({ nfx, official }) => [nfx, official]));
    assert.equal(r50Map.get("stem.conv0.bias"), "NF_ResNet/~/initial_conv/bias");
  });

  it("refuse networks the official code does not have, naming why", () => {
    const bn = planModel(resolveModelSpec({ name: "bn-resnet-50" }), { inputShape: [224, 224, 3], numClasses: 1000 });
    assert.throws(
      () => officialParamNames(bn),
      /bn-resnet-50: official parameter names exist for normalizer-free networks only/,
    );
    const twoStem = resolveModelSpec({
      name: "nf-resnet-50",
      stem: [
        { width: 32, kernel: 3, stride: 2 },
        { width: 64, kernel: 3, stride: 1 },
      ],
    });
    const plan = planModel(twoStem, { inputShape: [224, 224, 3], numClasses: 1000 });
    assert.throws(
      () => officialParamNames(plan),
      /official NF_ResNet has one stem conv \(initial_conv\); this one has 2/,
    );
  });
});

describe("official initialisation", () => {
  // Every tensor starts from the official code's distribution: conv kernels N(0, 1/fan_in), SE linears hk.Linear's
  // truncated normal, the classifier N(0, 0.01²), gains 1, biases and skip gains 0.
  for (const [name, net] of officialNets()) {
    it(`${name}: every parameter's initializer is the official one`, () => {
      const spec = resolveModelSpec(net.nfx);
      const plan = planModel(spec, { inputShape: [64, 64, 3], numClasses: spec.numClasses });
      for (const { nfx, official } of officialParamNames(plan)) {
        const ours = plan.params.find((p) => p.name === nfx)?.init;
        const theirs = net.params[official]?.init;
        assert.ok(ours && theirs, official);
        assert.equal(ours.kind, theirs.kind, `${official} (${nfx})`);
        if (ours.kind === "constant" && theirs.kind === "constant") assert.equal(ours.value, theirs.value, official);
        if (ours.kind !== "constant" && theirs.kind !== "constant") {
          assert.ok(
            Math.abs(ours.std - theirs.std) <= 1e-12 * theirs.std,
            `${official}: std ${ours.std} vs ${theirs.std}`,
          );
        }
      }
    });
  }

  it("built weights follow them: SE kernels within ±2 std with std ≈ 0.88·std, conv kernels untruncated", async () => {
    await initBackend("cpu");
    const model = buildModel(resolveModelSpec({ name: "nfnet-micro" }), {
      numClasses: 10,
      inputShape: [28, 28, 1],
      seed: 1,
    });
    try {
      const stats = (name: string) => {
        const p = model.params.find((q) => q.name === name);
        const init = model.plan.params.find((q) => q.name === name)?.init;
        assert.ok(p && init && init.kind !== "constant", name);
        const v = p.variable.dataSync() as Float32Array;
        let [sq, max] = [0, 0];
        for (const x of v) [sq, max] = [sq + x * x, Math.max(max, Math.abs(x))];
        return { max: max / init.std, sd: Math.sqrt(sq / v.length) / init.std };
      };
      const se = stats("stage3.block0.se.fc0.w"); // 256×128
      assert.ok(se.max <= 2, `SE max ${se.max} std`);
      assert.ok(Math.abs(se.sd - 0.8796) < 0.01, `SE std ${se.sd}`);
      const conv = stats("stage3.block0.conv0.w"); // 1×1×128×128
      assert.ok(conv.max > 3, `conv max ${conv.max} std: a normal's tail`);
      assert.ok(Math.abs(conv.sd - 1) < 0.01, `conv std ${conv.sd}`);
    } finally {
      model.dispose();
    }
  });
});
