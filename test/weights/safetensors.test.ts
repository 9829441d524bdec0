// safetensors data offsets (issue 27 item 1): the tensors' [begin, end) ranges must tile the data buffer exactly,
// from 0 to its end. Two tensors sharing bytes, or bytes no tensor indexes, are refused naming the tensor — as the
// reference implementation refuses them ("invalid offset") — in the one reader every path uses: a checkpoint's
// resume, `nfx eval --weights`, `model.init_from` and `nfx weights import`.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { initBackend } from "../../src/core/engine/backend/backend.js";
import { buildModel } from "../../src/core/models/build.js";
import { resolveModelSpec } from "../../src/core/models/index.js";
import { evalWeights } from "../../src/core/runWeights/runWeights.js";
import { readCheckpoint } from "../../src/core/train/checkpoint.js";
import { initFromWeights } from "../../src/core/weights/initFrom.js";
import { decodeSafetensors, encodeSafetensors } from "../../src/core/weights/safetensors.js";
import { modelTensors, readWeightsFile } from "../../src/core/weights/weightsFile.js";
import { tempDir } from "../helpers.js";

type Entry = { dtype: string; shape: number[]; data_offsets: [number, number] };

/** A safetensors file with exactly this header and a data buffer of `dataBytes` bytes (values 0, 1, 2, … mod 256). */
function craft(header: Record<string, Entry>, dataBytes: number): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + dataBytes);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  for (let i = 0; i < dataBytes; i++) out[8 + json.length + i] = i % 256;
  return out;
}

const f32 = (n: number, begin: number): Entry => ({ dtype: "F32", shape: [n], data_offsets: [begin, begin + 4 * n] });

/** `bytes` (a safetensors file) with tensor `name`'s data offsets replaced by `other`'s (same byte length). */
function pointAt(bytes: Uint8Array, name: string, other: string): Uint8Array {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, Entry>;
  const [a, b] = [header[name], header[other]];
  assert.ok(a && b, `${name} and ${other} are in the file`);
  assert.equal(a.data_offsets[1] - a.data_offsets[0], b.data_offsets[1] - b.data_offsets[0]);
  a.data_offsets = [...b.data_offsets];
  const json = new TextEncoder().encode(JSON.stringify(header));
  const data = bytes.subarray(8 + n);
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

describe("safetensors data offsets tile the buffer", () => {
  it("refuses two tensors sharing bytes ([0,16) and [8,24)), naming the tensor", () => {
    const bytes = craft({ a: f32(4, 0), b: f32(4, 8) }, 24);
    assert.throws(
      () => decodeSafetensors(bytes, "overlap.safetensors"),
      /^Error: overlap\.safetensors: not a readable safetensors file: tensor b: data_offsets \[8, 24\] overlap tensor a's bytes \(which end at 16\)$/,
    );
    // Order in the header does not matter: the ranges are checked in byte order.
    assert.throws(() => decodeSafetensors(craft({ b: f32(4, 8), a: f32(4, 0) }, 24), "x"), /tensor b: .* overlap/);
    // The same range twice is an overlap too (two names, one set of values).
    assert.throws(() => decodeSafetensors(craft({ a: f32(4, 0), b: f32(4, 0) }, 16), "x"), /tensor b: .* overlap/);
  });

  it("refuses 16 bytes indexed by no tensor — between tensors, before the first, after the last", () => {
    assert.throws(
      () => decodeSafetensors(craft({ a: f32(4, 0), b: f32(4, 32) }, 48), "gap.safetensors"),
      /gap\.safetensors: not a readable safetensors file: tensor b: data_offsets \[32, 48\] leave bytes \[16, 32\) after tensor a unindexed/,
    );
    assert.throws(
      () => decodeSafetensors(craft({ a: f32(4, 16) }, 32), "x"),
      /tensor a: data_offsets \[16, 32\] leave bytes \[0, 16\) at the start of the data unindexed/,
    );
    assert.throws(
      () => decodeSafetensors(craft({ a: f32(4, 0) }, 32), "x"),
      /16 bytes after the last tensor are indexed by none/,
    );
    // A file with no tensors and a data buffer is all unindexed bytes.
    assert.throws(() => decodeSafetensors(craft({}, 8), "x"), /8 bytes after the last tensor/);
  });

  it("reads exact tilings in any header order, zero-size tensors included", () => {
    const empty: Entry = { dtype: "F32", shape: [0, 3], data_offsets: [16, 16] };
    const got = decodeSafetensors(craft({ b: f32(2, 16), e: empty, a: f32(4, 0) }, 24), "ok");
    assert.deepEqual([...got.tensors.keys()], ["b", "e", "a"]);
    assert.deepEqual(got.tensors.get("e")?.shape, [0, 3]);
    assert.equal(got.tensors.get("b")?.data.length, 2);
    assert.equal(decodeSafetensors(craft({}, 0), "none").tensors.size, 0);
  });

  it("a real model's weights with one tensor pointed at another's bytes: eval, init_from and import refuse", async () => {
    await initBackend("cpu");
    const dir = tempDir("nfx-tiling-");
    const model = buildModel(resolveModelSpec({ name: "nf-resnet-micro" }), {
      numClasses: 10,
      inputShape: [8, 8, 3],
      seed: 3,
    });
    const tensors = modelTensors(model, "nfx");
    // Two distinct tensors of one byte size: the issue's probe points a block's shortcut conv at conv2.w.
    const bySize = new Map<number, string[]>();
    for (const [name, t] of tensors) bySize.set(t.data.length, [...(bySize.get(t.data.length) ?? []), name]);
    const pair = [...bySize.values()].find((names) => names.length >= 2 && names.every((n) => n.endsWith(".w")));
    assert.ok(pair, "the model has two weight tensors of one size");
    const [victim, source] = pair as [string, string];
    const good = encodeSafetensors(tensors);
    const file = path.join(dir, "pointed.safetensors");
    fs.writeFileSync(file, pointAt(good, victim, source));
    const names = `(${victim}|${source})`;
    const named = new RegExp(
      `pointed\\.safetensors: .*tensor ${names}: data_offsets .* overlap tensor ${names}'s bytes`,
    );
    assert.throws(() => readWeightsFile(file), named);
    await assert.rejects(
      evalWeights({
        weights: file,
        model: { name: "nf-resnet-micro" },
        data: { name: "synthetic", image_size: 8, train_size: 16, test_size: 16 },
        split: "test",
      }),
      named,
    );
    assert.throws(() => initFromWeights(model, file, {}), named);
    model.dispose();
  });

  it("a checkpoint with one parameter pointed at another's bytes is refused on resume", () => {
    const dir = tempDir("nfx-tiling-ckpt-");
    const w = { dtype: "F32" as const, shape: [2, 2], data: Float32Array.from([1, 2, 3, 4]) };
    const v = { dtype: "F32" as const, shape: [2, 2], data: Float32Array.from([5, 6, 7, 8]) };
    const good = encodeSafetensors([
      ["param/stage3.block0.conv_shortcut.w", w],
      ["param/stage3.block0.conv2.w", v],
    ]);
    const file = path.join(dir, "step-000020.safetensors");
    fs.writeFileSync(file, pointAt(good, "param/stage3.block0.conv_shortcut.w", "param/stage3.block0.conv2.w"));
    assert.throws(
      () => readCheckpoint(file),
      /step-000020\.safetensors: not a readable safetensors file: tensor param\/stage3\.block0\.conv2\.w: data_offsets \[16, 32\] overlap tensor param\/stage3\.block0\.conv_shortcut\.w's bytes \(which end at 32\)$/,
    );
  });
});
