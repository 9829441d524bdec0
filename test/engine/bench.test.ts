// The bench core: a caller-supplied step is timed on each backend and reported with derived rates.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type BenchCase, runBench } from "../../src/core/engine/bench/bench.js";
import {
  pytorchNfResnetMicroReference,
  pytorchTwoConvReference,
} from "../../src/core/engine/bench/pytorchReference.js";
import { tf } from "../../src/core/engine/tf.js";

describe("bench core", () => {
  test("times a caller's step on wasm and cpu and derives GFLOP/s, images/s and memory", async () => {
    let calls = 0;
    const flops = 2 * 4 * 8 * 8 * 9 * 3 * 4;
    const tiny: BenchCase = {
      name: "tiny conv step",
      kind: "step",
      flops,
      images: 4,
      setup: () => {
        const x = tf.randomNormal([4, 8, 8, 3]) as tf.Tensor4D;
        const w = tf.tidy(() => tf.variable(tf.randomNormal([3, 3, 3, 4])));
        return {
          run: () => {
            calls++;
            return tf.variableGrads(
              () =>
                tf
                  .conv2d(x, w as tf.Tensor4D, 1, "same")
                  .square()
                  .mean() as tf.Scalar,
              [w],
            );
          },
          dispose: () => tf.dispose([x, w]),
        };
      },
    };
    const before = tf.memory().numTensors;
    const results = await runBench([tiny], ["wasm", "cpu"], { minTimeMs: 0, maxReps: 3, warmup: 1 });
    assert.deepEqual(
      results.map((r) => r.backend),
      ["wasm", "cpu"],
    );
    assert.equal(calls, 2 * (1 + 1)); // one warm-up (profiled) and one timed call each: minTimeMs 0 stops after one
    for (const r of results) {
      assert.ok(r.medianMs > 0 && r.minMs <= r.medianMs);
      assert.ok(Math.abs((r.gflops as number) - flops / r.medianMs / 1e6) < 1e-9);
      assert.ok(Math.abs((r.imagesPerSec as number) - 4000 / r.medianMs) < 1e-9);
      assert.ok((r.peakTensorBytes ?? 0) >= 4 * 8 * 8 * 3 * 4, "peak memory covers at least the input");
      if (r.backend === "wasm")
        assert.ok((r.wasmHeapBytes ?? 0) >= (r.peakTensorBytes ?? 0), "the wasm heap holds them");
      assert.ok(r.peakRssBytes > 0);
    }
    assert.equal(tf.memory().numTensors, before, "bench leaks no tensors");
  });

  test("the PyTorch reference falls back to the issue's figure, and says why, without python/torch", () => {
    const ref = pytorchTwoConvReference(32, ["/nonexistent/python3"]);
    assert.equal(ref.measured, false);
    assert.equal(ref.ms, 150);
    assert.match(ref.source, /not measured here \(\/nonexistent\/python3: /);
    assert.equal(pytorchTwoConvReference(64, ["/nonexistent/python3"]).ms, 300, "scaled with the batch");
  });

  test("the PyTorch nf-resnet-micro step has no fallback figure: without python/torch it says why", () => {
    const ref = pytorchNfResnetMicroReference(32, ["/nonexistent/python3", "/nonexistent/python"]);
    assert.ok("reasons" in ref, "no number without a measurement");
    assert.match(ref.reasons, /^\/nonexistent\/python3: .+; \/nonexistent\/python: /);
  });
});
