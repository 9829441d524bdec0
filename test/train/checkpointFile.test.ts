// The safetensors reader and writer (src/core/weights/safetensors.ts): a file written by huggingface's own
// `safetensors` (reference/safetensors_fixture.py) reads back with its values; nfx's files read back exactly;
// a truncated or foreign file is refused with its name; a write is atomic.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import {
  readSafetensorsFile as readSafetensors,
  type SafetensorsTensor,
  writeSafetensorsFile as writeSafetensors,
} from "../../src/core/weights/safetensors.js";
import { tempDir } from "../helpers.js";

const FIXTURE = path.resolve(import.meta.dirname, "../../reference/fixtures/safetensors-reference.safetensors");

/** The script's formulas: 0.5·arange − 1 (float32), −3·arange (int32). */
const f32 = (n: number) => Float32Array.from({ length: n }, (_, i) => 0.5 * i - 1);
const i32 = (n: number) => Int32Array.from({ length: n }, (_, i) => i * -3);

describe("safetensors files", () => {
  it("reads the reference implementation's file: every tensor's dtype, shape, values, and the metadata", () => {
    const { tensors, metadata } = readSafetensors(FIXTURE);
    assert.deepEqual(metadata, { "nfx.checkpoint": '{"format":1}', format: "np" });
    assert.deepEqual([...tensors.keys()].sort(), ["counts", "empty", "momentum/head.b", "param/stem.w", "scalar"]);
    const stem = tensors.get("param/stem.w") as SafetensorsTensor;
    assert.deepEqual([stem.dtype, stem.shape], ["F32", [2, 3, 4]]);
    assert.deepEqual(stem.data, f32(24));
    assert.deepEqual(tensors.get("momentum/head.b")?.data, f32(5));
    assert.deepEqual([tensors.get("scalar")?.shape, [...(tensors.get("scalar")?.data ?? [])]], [[], [3.25]]);
    const counts = tensors.get("counts") as SafetensorsTensor;
    assert.deepEqual([counts.dtype, counts.shape, counts.data], ["I32", [3, 2], i32(6)]);
    assert.deepEqual([tensors.get("empty")?.shape, tensors.get("empty")?.data.length], [[0, 4], 0]);
  });

  it("writes what it reads back bit for bit (NaN, -0, subnormals included), with an 8-byte-aligned data section", () => {
    const dir = tempDir();
    const file = path.join(dir, "a.safetensors");
    const odd = new Float32Array([Number.NaN, -0, 1.4e-45, -3.4028234663852886e38, Number.POSITIVE_INFINITY]);
    const tensors = new Map<string, SafetensorsTensor>([
      ["w", { dtype: "F32", shape: [5], data: odd }],
      ["k", { dtype: "I32", shape: [2, 3], data: i32(6) }],
      ["s", { dtype: "F32", shape: [], data: new Float32Array([7]) }],
    ]);
    const { sha256, bytes } = writeSafetensors(file, tensors, { note: "é" });
    const buf = fs.readFileSync(file);
    assert.equal(bytes, buf.length);
    assert.match(sha256, /^[0-9a-f]{64}$/);
    assert.equal(Number(buf.readBigUInt64LE(0)) % 8, 0);
    const back = readSafetensors(file);
    assert.deepEqual(back.metadata, { note: "é" });
    const w = back.tensors.get("w") as SafetensorsTensor;
    assert.deepEqual(new Uint8Array(w.data.buffer), new Uint8Array(odd.buffer));
    assert.deepEqual(back.tensors.get("k"), tensors.get("k"));
    assert.deepEqual(back.tensors.get("s")?.shape, []);
    // Nothing but the file itself is left in the directory (the temporary file was renamed).
    assert.deepEqual(fs.readdirSync(dir), ["a.safetensors"]);
  });

  it("refuses a truncated file, a foreign file and a data/shape mismatch, naming the file", () => {
    const dir = tempDir();
    const whole = fs.readFileSync(FIXTURE);
    for (const cut of [4, 20, whole.length - 3]) {
      const file = path.join(dir, `cut${cut}.safetensors`);
      fs.writeFileSync(file, whole.subarray(0, cut));
      assert.throws(() => readSafetensors(file), new RegExp(`^Error: ${file}: not a readable safetensors file: .+`));
    }
    const png = path.join(dir, "x.safetensors");
    fs.writeFileSync(png, Buffer.from("\x89PNG\r\n\x1a\n0000000000000000"));
    assert.throws(() => readSafetensors(png), /x\.safetensors: not a readable safetensors file: a header of \d+ bytes/);
    assert.throws(
      () =>
        writeSafetensors(
          path.join(dir, "bad.safetensors"),
          new Map([["t", { dtype: "F32", shape: [2, 2], data: f32(3) }]]),
        ),
      /tensor t: 3 values for shape \[2, 2\]/,
    );
    assert.equal(fs.existsSync(path.join(dir, "bad.safetensors")), false);
  });

  it("a second write replaces the first file whole (by rename, no temporary file left)", () => {
    const file = path.join(tempDir(), "c.safetensors");
    writeSafetensors(file, new Map([["t", { dtype: "F32", shape: [3], data: f32(3) }]]));
    writeSafetensors(file, new Map([["u", { dtype: "I32", shape: [1], data: i32(1) }]]));
    assert.deepEqual([...readSafetensors(file).tensors.keys()], ["u"]);
  });
});
