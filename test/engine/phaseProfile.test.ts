// The step profile (engine/bench/phaseProfile.ts): every kernel lands in the phase that launched it, wall times
// add up to the step, and nfx's real training step marks all five phases (train/step.ts, train/gradients.ts).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { initBackend } from "../../src/core/engine/backend/backend.js";
import { type PhaseClock, profilePhases, STEP_PHASES } from "../../src/core/engine/bench/phaseProfile.js";
import { tf } from "../../src/core/engine/tf.js";
import { profileTrainStep } from "../../src/experiments/trainingBench.js";

describe("phase profile", () => {
  test("attributes each kernel to the phase that launched it, on cpu", async () => {
    await initBackend("cpu");
    const x = tf.ones([8, 8]);
    const step = (clock: PhaseClock) =>
      tf.tidy(() => {
        clock.mark("forward");
        let y = x.add(1).add(2).add(3); // three Adds
        clock.mark("backward");
        y = y.mul(2).mul(3); // two Multiplys
        clock.mark("agc");
        clock.mark("optimizer");
        y = y.sub(1); // one Sub
        clock.mark("bookkeeping");
        return y.sum(); // one Sum, then read back
      });
    const p = await profilePhases(step, { steps: 3, warmup: 1 });
    const calls = (phase: string, name: string) =>
      p.kernels.find((k) => k.phase === phase && k.name === name)?.calls ?? 0;
    assert.equal(calls("forward", "Add"), 3);
    assert.equal(calls("backward", "Multiply"), 2);
    assert.equal(calls("optimizer", "Sub"), 1);
    assert.equal(calls("bookkeeping", "Sum"), 1);
    assert.deepEqual(
      p.phases.map((ph) => ph.phase),
      [...STEP_PHASES],
    );
    assert.equal(p.phases.find((ph) => ph.phase === "agc")?.kernels, 0, "an empty phase launches nothing");
    assert.equal(p.steps, 3);
    const sum = p.phases.reduce((s, ph) => s + ph.ms, 0);
    assert.ok(sum <= p.stepMs * 1.05 + 0.5, `phases ${sum} ms within the step's ${p.stepMs} ms`);
    assert.ok(p.outsidePhasesMs >= 0 && p.outsidePhasesMs <= p.stepMs, `outside phases ${p.outsidePhasesMs} ms`);
    assert.ok(p.synchronous);
    x.dispose();
  });

  test("nfx's training step marks forward, backward, agc, optimizer and bookkeeping, on wasm", async () => {
    await initBackend("wasm");
    const before = tf.memory().numTensors;
    const p = await profileTrainStep(
      { model: "nf-resnet-micro", px: 12, channels: 1, batch: 4, micro: 2, agc: "unit" },
      2,
    );
    const by = (phase: string) => p.kernels.filter((k) => k.phase === phase).map((k) => k.name);
    assert.ok(by("forward").includes("Conv2D"), "forward convs");
    assert.ok(by("backward").includes("Conv2DBackpropFilter"), "backward filter gradients");
    assert.ok(by("agc").length > 0, "AGC's kernels");
    assert.ok(by("optimizer").length > 0, "the update's kernels");
    assert.ok(!by("agc").some((n) => n.startsWith("Conv2D")), "no conv in AGC");
    for (const ph of p.phases) assert.ok(ph.ms > 0, `${ph.phase} took time`);
    assert.equal(tf.memory().numTensors, before, "nothing leaked");
  });
});
