// `nfx weights export` as a new user meets it (issue 27 item 19): no tfjs "install our node backend" banner, and
// the file's format follows --out's extension (`--out x.npz` wrote safetensors under that name); an extension that
// names no format is refused before anything is written.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { before, describe, it } from "node:test";
import { configHash } from "../../src/core/config/hash.js";
import { resolveConfig } from "../../src/core/config/resolve.js";
import { initBackend } from "../../src/core/engine/backend/backend.js";
import { buildModel } from "../../src/core/models/build.js";
import { resolveModelSpec } from "../../src/core/models/index.js";
import { RunStore } from "../../src/core/store/runStore.js";
import { looksLikeZip, readNpz, writeNpzFile } from "../../src/core/weights/npz.js";
import { looksLikeSafetensors, writeSafetensors } from "../../src/core/weights/safetensors.js";
import { modelTensors, readWeightsFile } from "../../src/core/weights/weightsFile.js";
import { nfx } from "../e2e/sweepHelpers.js";
import { tempDir } from "../helpers.js";

/** A store with one run whose final weights are an nfx safetensors file; returns the folder. */
async function storeWithFinalWeights(): Promise<{ dir: string; weights: Map<string, unknown> }> {
  await initBackend("cpu");
  const dir = tempDir("nfx-wexport-");
  const cfg = resolveConfig({ model: { name: "nfnet-micro" }, data: { name: "synthetic", image_size: 8 } });
  const store = RunStore.open(path.join(dir, "s.db"));
  const model = buildModel(resolveModelSpec(cfg.model), { numClasses: 10, inputShape: [8, 8, 3], seed: 3 });
  try {
    const { id } = store.ensureRun(cfg, configHash(cfg), null);
    const final = path.join(dir, "final.safetensors");
    fs.writeFileSync(final, writeSafetensors(modelTensors(model, "nfx")));
    store.addArtifact(id, "weights", final);
    return { dir, weights: new Map(modelTensors(model, "deepmind")) };
  } finally {
    model.dispose();
    store.close();
  }
}

describe("nfx weights export", () => {
  let dir = "";
  let want = new Map<string, unknown>();
  before(async () => {
    ({ dir, weights: want } = await storeWithFinalWeights());
  });

  it("--out x.npz writes an npz (np.savez's layout) that reads back to the same tensors; no tfjs banner", () => {
    const r = nfx(["weights", "export", "1", "--db", "s.db", "--names", "deepmind", "--out", "x.npz"], dir);
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stdout + r.stderr, /Hi, looks like you are running TensorFlow\.js|install our node backend/);
    assert.match(r.stdout, /^wrote \d+ tensors of run 1 \(deepmind names, npz\) to x\.npz: /);
    const bytes = fs.readFileSync(path.join(dir, "x.npz"));
    assert.ok(looksLikeZip(bytes) && !looksLikeSafetensors(bytes));
    const back = readWeightsFile(path.join(dir, "x.npz"));
    assert.equal(back.tensors.size, want.size);
    for (const [name, t] of want) assert.deepEqual(back.tensors.get(name), t, name);
  });

  it("--out x.safetensors writes safetensors with nfx's metadata, --json says the format", () => {
    const r = nfx(["weights", "export", "1", "--db", "s.db", "--out", "y.safetensors", "--json"], dir);
    assert.equal(r.status, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { format: string }).format, "safetensors");
    assert.ok(looksLikeSafetensors(fs.readFileSync(path.join(dir, "y.safetensors"))));
    assert.equal(readWeightsFile(path.join(dir, "y.safetensors")).metadata.names, "nfx");
  });

  it("refuses an extension that names no format, writing nothing", () => {
    for (const out of ["w.bin", "w", "w.npy"]) {
      const r = nfx(["weights", "export", "1", "--db", "s.db", "--out", out], dir);
      assert.equal(r.status, 2, r.stderr);
      assert.match(
        r.stderr,
        new RegExp(
          `^nfx: error: ${out.replace(".", "\\.")}: the format follows the file's extension; name it \\.safetensors .* or \\.npz`,
        ),
      );
      assert.equal(fs.existsSync(path.join(dir, out)), false);
    }
  });

  it("writes npy members as numpy does: format 1.0, data at a multiple of 64 bytes, scalars and vectors", () => {
    const file = path.join(tempDir(), "t.npz");
    const tensors: [string, { shape: number[]; data: Float32Array }][] = [
      ["a/w", { shape: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6.5]) }],
      ["s", { shape: [], data: new Float32Array([7]) }],
      ["v", { shape: [70], data: new Float32Array(70).fill(0.25) }],
    ];
    writeNpzFile(file, tensors);
    const bytes = fs.readFileSync(file);
    assert.deepEqual(readNpz(bytes, file), new Map(tensors));
    // np.savez stores members uncompressed: each .npy is in the zip as written.
    const npy = bytes.subarray(bytes.indexOf("\x93NUMPY", 0, "latin1"));
    assert.deepEqual([...npy.subarray(6, 8)], [1, 0]);
    assert.equal((10 + npy.readUInt16LE(8)) % 64, 0);
    assert.match(
      npy.subarray(10, 80).toString("latin1"),
      /^\{'descr': '<f4', 'fortran_order': False, 'shape': \(2, 3\), \}/,
    );
    assert.throws(
      () => writeNpzFile(file, [["x", { shape: [2], data: new Float32Array(3) }]]),
      /x: 3 values for shape \[2\]/,
    );
  });
});
