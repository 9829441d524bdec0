// Weights in and out: safetensors and npz readers, the per-source name maps and layouts, round trips of nfx's own
// weights through every source's names (same tensors, same logits), and bad input (another architecture, a
// truncated or foreign file) failing with one line that names the fault.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { zipSync } from "fflate";
import { dump as dumpNpy } from "npyjs";
import { initBackend } from "../../src/core/engine/backend/backend.js";
import { tf } from "../../src/core/engine/tf.js";
import { type BuiltModel, buildModel } from "../../src/core/models/build.js";
import { resolveModelSpec } from "../../src/core/models/index.js";
import { planModel } from "../../src/core/models/plan.js";
import { hwioToOihw, oihwToHwio, transpose2d } from "../../src/core/weights/layout.js";
import { detectSource, nameMap, WEIGHT_SOURCES } from "../../src/core/weights/nameMaps.js";
import { readSafetensors, writeSafetensors } from "../../src/core/weights/safetensors.js";
import {
  assignWeights,
  fitWeights,
  modelTensors,
  readWeightsFile,
  type WeightsFile,
} from "../../src/core/weights/weightsFile.js";
import { tempDir } from "../helpers.js";

const dir = tempDir("nfx-weights-");

function build(name: string, seed: number, numClasses = 10, px = 16): BuiltModel {
  return buildModel(resolveModelSpec({ name }), { numClasses, inputShape: [px, px, 3], seed });
}

/** Gives every parameter distinct non-trivial values (gains and skip gains are 1 and 0 at init). */
function randomize(model: BuiltModel, seed: number): void {
  model.params.forEach((p, i) => {
    const t = tf.randomNormal(p.variable.shape, 0.5, 0.3, "float32", seed + i);
    p.variable.assign(t);
    t.dispose();
  });
}

function logits(model: BuiltModel, px = 16): Float32Array {
  return tf.tidy(() => {
    const x = tf.randomNormal([2, px, px, 3], 0, 1, "float32", 7) as tf.Tensor4D;
    return model.apply(x, { training: false }).dataSync() as Float32Array;
  });
}

function save(name: string, bytes: Uint8Array): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, bytes);
  return file;
}

describe("safetensors", () => {
  it("writes and reads back names, shapes, values and metadata", () => {
    const a = { shape: [2, 3], data: Float32Array.from([1, -2, 3.5, 4, 5, 6e-8]) };
    const s = { shape: [], data: Float32Array.from([0.25]) };
    const bytes = writeSafetensors(
      [
        ["a", a],
        ["s", s],
      ],
      { format: "pt" },
    );
    // Data starts 8-byte aligned, as the reference writer pads it.
    const headerLen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    assert.equal((8 + headerLen) % 8, 0);
    const back = readSafetensors(bytes, "x.safetensors");
    assert.deepEqual([...back.tensors.keys()], ["a", "s"]);
    assert.deepEqual(back.tensors.get("a"), a);
    assert.deepEqual(back.tensors.get("s"), s);
    assert.deepEqual(back.metadata, { format: "pt" });
  });

  it("reads F16 and BF16 as float32", () => {
    // 1.5 = F16 0x3e00, BF16 0x3fc0; −2 = F16 0xc000, BF16 0xc000.
    const header = JSON.stringify({
      h: { dtype: "F16", shape: [2], data_offsets: [0, 4] },
      b: { dtype: "BF16", shape: [2], data_offsets: [4, 8] },
    });
    const head = new TextEncoder().encode(header);
    const out = new Uint8Array(8 + head.length + 8);
    const v = new DataView(out.buffer);
    v.setBigUint64(0, BigInt(head.length), true);
    out.set(head, 8);
    [0x3e00, 0xc000, 0x3fc0, 0xc000].forEach((u, i) => {
      v.setUint16(8 + head.length + 2 * i, u, true);
    });
    const t = readSafetensors(out, "h.safetensors").tensors;
    assert.deepEqual([...(t.get("h")?.data ?? [])], [1.5, -2]);
    assert.deepEqual([...(t.get("b")?.data ?? [])], [1.5, -2]);
  });

  it("refuses a truncated file and a file that is not safetensors, naming the file", () => {
    const bytes = writeSafetensors([["a", { shape: [64], data: new Float32Array(64).fill(1) }]]);
    const cut = save("cut.safetensors", bytes.subarray(0, bytes.length - 10));
    assert.throws(
      () => readWeightsFile(cut),
      /cut\.safetensors: truncated safetensors file: tensor a ends at byte 256/,
    );
    const headCut = save("headcut.safetensors", bytes.subarray(0, 20));
    assert.throws(() => readWeightsFile(headCut), /headcut\.safetensors: truncated safetensors file: its header needs/);
    const text = save("notes.safetensors", new TextEncoder().encode("these are not weights, just some text\n"));
    assert.throws(() => readWeightsFile(text), /notes\.safetensors: not a weights file nfx reads/);
    assert.throws(
      () => readWeightsFile(path.join(dir, "absent.safetensors")),
      /absent\.safetensors: cannot read weights: ENOENT/,
    );
  });
});

describe("npz", () => {
  it("reads np.savez-style archives (float32 and float64 members) by key", () => {
    const w = dumpNpy(Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3]);
    const d = dumpNpy(Float64Array.from([0.5]), []);
    const bytes = zipSync({
      "NFNet/~/linear/w.npy": new Uint8Array(w),
      "NFNet/~/nf_block/skip_gain.npy": new Uint8Array(d),
    });
    const f = readWeightsFile(save("a.npz", bytes));
    assert.equal(f.format, "npz");
    assert.deepEqual(f.tensors.get("NFNet/~/linear/w"), { shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) });
    assert.deepEqual(f.tensors.get("NFNet/~/nf_block/skip_gain"), { shape: [], data: Float32Array.from([0.5]) });
  });

  it("refuses DeepMind's pickled *_haiku.npz with the one-line conversion, and a truncated zip", () => {
    const pickle = save("F0_haiku.npz", Uint8Array.from([0x80, 4, 0x95, 0, 0, 0, 0, 0, 0, 0, 0, 0x7d, 0x94, 0x2e]));
    assert.throws(
      () => readWeightsFile(pickle),
      /F0_haiku\.npz: a Python pickle .* convert it once with: python3 -c .*dill\.load.*np\.savez/,
    );
    const bytes = zipSync({ "a.npy": new Uint8Array(dumpNpy(new Float32Array(1000).fill(1), [1000])) });
    const cut = save("cut.npz", bytes.subarray(0, bytes.length - 30));
    assert.throws(() => readWeightsFile(cut), /cut\.npz: damaged or truncated npz/);
  });
});

describe("layouts", () => {
  it("OIHW ↔ HWIO and [out,in] ↔ [in,out] move each element where PyTorch and tfjs keep it", () => {
    const [kh, kw, ci, co] = [2, 3, 4, 5];
    const hwio = { shape: [kh, kw, ci, co], data: Float32Array.from({ length: kh * kw * ci * co }, (_, i) => i) };
    const oihw = hwioToOihw(hwio);
    assert.deepEqual(oihw.shape, [co, ci, kh, kw]);
    for (let h = 0; h < kh; h++)
      for (let w = 0; w < kw; w++)
        for (let i = 0; i < ci; i++)
          for (let o = 0; o < co; o++) {
            const want = hwio.data[((h * kw + w) * ci + i) * co + o];
            assert.equal(oihw.data[((o * ci + i) * kh + h) * kw + w], want);
          }
    assert.deepEqual(oihwToHwio(oihw), hwio);
    const dense = { shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) };
    assert.deepEqual(transpose2d(dense), { shape: [3, 2], data: Float32Array.from([1, 4, 2, 5, 3, 6]) });
  });
});

describe("name maps", () => {
  it("are one-to-one for every source on NFNet-F0 and NF-ResNet-50, and timm's names are timm's", () => {
    for (const name of ["nfnet-f0", "nf-resnet-50"]) {
      const plan = resolveModelSpec({ name });
      const p = planModel(plan, { inputShape: [224, 224, 3], numClasses: 1000 });
      for (const source of WEIGHT_SOURCES) {
        // timm's nf_resnet* is another network (issue 25): an NF-ResNet has no timm names (timmNfResnet.test.ts).
        if (name === "nf-resnet-50" && source === "timm") {
          assert.throws(() => nameMap(p, source), /no timm names: timm's nf_resnet\* is not the official NF-ResNet/);
          continue;
        }
        const map = nameMap(p, source);
        assert.equal(map.length, p.params.length);
        assert.equal(new Set(map.map((e) => e.source)).size, map.length, `${name} ${source} names are distinct`);
        assert.equal(detectSource(map.map((e) => e.source)), source);
      }
      if (name === "nfnet-f0") {
        const timm = new Map(nameMap(p, "timm").map((e) => [e.nfx, e.source]));
        // timm 1.0 dm_nfnet_f0 state_dict keys (timm/models/nfnet.py).
        assert.equal(timm.get("stem.conv0.w"), "stem.conv1.weight");
        assert.equal(timm.get("stem.conv3.gain"), "stem.conv4.gain");
        assert.equal(timm.get("stage1.block0.conv_shortcut.w"), "stages.0.0.downsample.conv.weight");
        assert.equal(timm.get("stage2.block1.conv1b.bias"), "stages.1.1.conv2b.bias");
        assert.equal(timm.get("stage3.block5.conv2.w"), "stages.2.5.conv3.weight");
        assert.equal(timm.get("stage4.block2.se.fc1.b"), "stages.3.2.attn_last.fc2.bias");
        assert.equal(timm.get("stage4.block2.skip_gain"), "stages.3.2.skipinit_gain");
        assert.equal(timm.get("head.final_conv.w"), "final_conv.weight");
        assert.equal(timm.get("head.classifier.w"), "head.fc.weight");
      }
    }
  });
});

describe("round trips of nfx's own weights", async () => {
  await initBackend("cpu");
  for (const modelName of ["nfnet-micro", "nf-resnet-micro"]) {
    // An NF-ResNet has no timm names (issue 25: timm's nf_resnet* is another network; timmNfResnet.test.ts).
    for (const source of WEIGHT_SOURCES.filter((s) => !(modelName === "nf-resnet-micro" && s === "timm"))) {
      it(`${modelName}: export with ${source} names → import: the same tensors and the same logits`, () => {
        const a = build(modelName, 1);
        const b = build(modelName, 2);
        try {
          randomize(a, 100);
          const file = save(`${modelName}.${source}.safetensors`, writeSafetensors(modelTensors(a, source)));
          const read = readWeightsFile(file);
          const fitted = fitWeights(b, read); // source detected from the names
          assert.equal(fitted.source, source);
          assignWeights(b, fitted);
          for (const [i, p] of a.params.entries()) {
            assert.deepEqual(b.params[i]?.variable.dataSync(), p.variable.dataSync(), p.name);
          }
          assert.deepEqual(logits(b), logits(a));
          if (source === "timm") {
            // A conv kernel is stored OIHW, a gain [c,1,1,1], the classifier [out,in].
            const conv = a.params.find((p) => p.name === "stem.conv0.w");
            const stored = read.tensors.get("stem.conv1.weight") ?? read.tensors.get("stem.conv.weight");
            assert.ok(conv);
            const [kh, kw, ci, co] = conv.variable.shape;
            assert.deepEqual(stored?.shape, [co, ci, kh, kw]);
            assert.deepEqual(read.tensors.get("head.fc.weight")?.shape, [10, a.plan.classifier.cin]);
          }
        } finally {
          a.dispose();
          b.dispose();
        }
      });
    }
  }
});

describe("bad input", async () => {
  await initBackend("cpu");
  const exported = (modelName: string, source: "nfx" | "deepmind" | "timm", classes = 10): WeightsFile => {
    const m = build(modelName, 3, classes);
    try {
      return readWeightsFile(save(`${modelName}-${classes}.${source}.st`, writeSafetensors(modelTensors(m, source))));
    } finally {
      m.dispose();
    }
  };

  it("weights of another architecture: one error naming the first mismatched tensor, expected and got shapes", () => {
    const target = buildModel(resolveModelSpec({ name: "nfnet-micro", widths: [64, 128, 192] }), {
      numClasses: 10,
      inputShape: [16, 16, 3],
      seed: 0,
    });
    try {
      const before = target.params.map((p) => p.variable.dataSync().slice());
      const file = exported("nfnet-micro", "deepmind");
      const first = nameMap(target.plan, "deepmind").find((e) => {
        const t = file.tensors.get(e.source);
        const p = target.plan.params.find((q) => q.name === e.nfx);
        return !t || t.shape.join() !== p?.shape.join();
      });
      assert.ok(first);
      const p = target.plan.params.find((q) => q.name === first.nfx);
      const got = file.tensors.get(first.source)?.shape;
      assert.throws(
        () => fitWeights(target, file),
        new RegExp(
          `tensor ${first.source.replace(/[/~]/g, "\\$&")} \\(nfx ${first.nfx.replace(/\./g, "\\.")}\\): expected shape \\[${p?.shape.join(",")}\\], got \\[${got?.join(",")}\\]`,
        ),
      );
      // Nothing was assigned.
      for (const [i, q] of target.params.entries()) assert.deepEqual(q.variable.dataSync(), before[i]);
      // An NF-ResNet's weights into an NFNet: a tensor the model does not have.
      assert.throws(
        () => fitWeights(target, exported("nf-resnet-micro", "deepmind")),
        /is missing from the file|has no counterpart/,
      );
    } finally {
      target.dispose();
    }
  });

  it("a classifier for another class count is re-initialised and said so; without consent it is an error", () => {
    const file = exported("nfnet-micro", "timm", 7);
    const m = build("nfnet-micro", 4, 10);
    try {
      const init = m.params
        .find((p) => p.name === "head.classifier.w")
        ?.variable.dataSync()
        .slice();
      assert.throws(
        () => fitWeights(m, file),
        /head\.fc\.weight \(nfx head\.classifier\.w\): expected shape \[10,\d+\], got \[7,\d+\] \(a 7-class classifier for 10 classes\)/,
      );
      const fitted = fitWeights(m, file, { reinitClassifier: true });
      assert.deepEqual(fitted.reinitialised, ["head.classifier.w", "head.classifier.b"]);
      assert.match(fitted.note ?? "", /classifier re-initialised: the weights have 7 classes, the dataset 10/);
      assignWeights(m, fitted);
      assert.deepEqual(m.params.find((p) => p.name === "head.classifier.w")?.variable.dataSync(), init);
      const conv = file.tensors.get("stem.conv1.weight");
      const mine = m.params.find((p) => p.name === "stem.conv0.w")?.variable;
      assert.ok(conv && mine);
      assert.deepEqual(hwioToOihw({ shape: mine.shape, data: mine.dataSync() as Float32Array }).data, conv.data);
    } finally {
      m.dispose();
    }
  });
});
