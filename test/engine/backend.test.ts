// Backend choice and the advice printed when a native backend fails to load.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { initBackend } from "../../src/core/engine/backend/backend.js";
import { adviseOnLoadError, isHopper } from "../../src/core/engine/backend/nativeAdvice.js";
import { nativeSkipReason } from "../helpers.js";

describe("backend choice", () => {
  test("auto takes tensorflow when `nfx native install` placed it, else falls through to wasm; both record threads", async () => {
    const info = await initBackend("auto");
    if (nativeSkipReason() === false) {
      assert.equal(info.name, "tensorflow");
      assert.equal(info.tfjsBackend, "tensorflow");
      assert.match(info.native?.tensorflowVersion ?? "", /^2\.\d+\.\d+/);
      assert.equal(info.threads, info.native?.intraOpThreads);
      assert.ok((info.threads ?? 0) >= 1);
      assert.equal(info.native?.interOpThreads, 1);
      assert.match(info.native?.library ?? "", /libtensorflow(_cc)?\.so/);
      assert.deepEqual(
        info.skipped.map((s) => s.name),
        ["tensorflow-gpu"],
      );
      return;
    }
    assert.equal(info.name, "wasm");
    assert.equal(info.tfjsBackend, "wasm");
    assert.equal(typeof info.simd, "boolean");
    assert.equal(info.threads, 1);
    assert.deepEqual(
      info.skipped.map((s) => s.name),
      ["tensorflow-gpu", "tensorflow"],
    );
    for (const s of info.skipped) assert.equal(s.advice?.problem, "not-installed");
  });

  test("a named backend that cannot load throws with the reason", async () => {
    await assert.rejects(initBackend("tensorflow-gpu"), /tfjs-node-gpu/);
  });
});

describe("native backend advice", () => {
  const gpu = "@tensorflow/tfjs-node-gpu";
  test("CUDA 12 system: libcudart.so.11.0 missing", () => {
    const a = adviseOnLoadError(gpu, "libcudart.so.11.0: cannot open shared object file: No such file or directory");
    assert.equal(a.problem, "cuda-version");
    assert.ok(a.steps.some((s) => s.includes("CUDA 11")));
  });
  test("cuDNN missing", () => {
    assert.equal(adviseOnLoadError(gpu, "Could not load dynamic library 'libcudnn.so.8'").problem, "cudnn-version");
  });
  test("install script failed offline: native addon missing", () => {
    const a = adviseOnLoadError(
      "@tensorflow/tfjs-node",
      "The Node.js native addon module (tfjs_binding.node) can not be found at path: …",
    );
    assert.equal(a.problem, "native-addon-missing");
    assert.ok(a.steps.some((s) => s.includes("offline")));
  });
  test("not installed", () => {
    assert.equal(adviseOnLoadError(gpu, "Cannot find package '@tensorflow/tfjs-node-gpu'").problem, "not-installed");
  });
  test("Hopper detection", () => {
    assert.ok(isHopper("NVIDIA H100 80GB HBM3, 550.54"));
    assert.ok(isHopper("NVIDIA H200"));
    assert.ok(!isHopper("NVIDIA A100-SXM4-80GB"));
  });
});
