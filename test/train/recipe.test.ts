// Issue 25: nfx's training recipe is the official one, step for step — the learning rate of every step
// (optim.py WarmupCosineDecay), the run's length and warmup (experiment*.py), SGD's step 0 at lr 0 (optim.py SGD),
// and the EMA (utils.py tf1_ema) — each against reference/fixtures/official-recipe.json, which the official
// functions wrote (reference/official_recipe.py).
import assert from "node:assert/strict";
import fs from "node:fs";
import { before, describe, it } from "node:test";
import { resolveConfig } from "../../src/core/config/resolve.js";
import { stepsFromEpochs } from "../../src/core/config/revision.js";
import { type Batch, evalBatches, loadDataset } from "../../src/core/data/index.js";
import { initBackend } from "../../src/core/engine/backend/backend.js";
import { tf } from "../../src/core/engine/tf.js";
import { buildModel, resolveModelSpec } from "../../src/core/models/index.js";
import { Sgd } from "../../src/core/optim/sgd.js";
import { emaDecayAt, WeightEma } from "../../src/core/train/ema.js";
import { planSteps } from "../../src/core/train/prepare.js";
import { lrAt, type ScheduleOptions, warmupSteps } from "../../src/core/train/schedule.js";
import { createTrainer } from "../../src/core/train/step.js";
import { trainRun } from "../../src/core/train/trainRun.js";
import { testBackend } from "../helpers.js";

interface ScheduleCase {
  name: string;
  peak: number;
  warmup_steps: number;
  total_steps: number;
  steps: number[];
  lr: (number | null)[];
  train_size?: number;
  epochs?: number;
  batch_size?: number;
  warmup_epochs?: number;
}
interface EmaCase {
  decay: number;
  weight_shape: number[];
  state_shape: number[];
  weights: number[][];
  states: number[][];
  avg_weights: number[][];
  avg_states: number[][];
}
const fixture = JSON.parse(
  fs.readFileSync(new URL("../../reference/fixtures/official-recipe.json", import.meta.url), "utf8"),
) as {
  schedule: ScheduleCase[];
  sgd: {
    momentum: number;
    weight_decay: number;
    schedule: { peak: number; warmup_steps: number; total_steps: number };
    param0: number[];
    grads: number[][];
    lr: number[];
    params: number[][];
    momenta: number[][];
  };
  ema: EmaCase[];
};
const official = (name: string) => fixture.schedule.find((c) => c.name === name) as ScheduleCase;

/** The schedule of a fixture case: base·B/256 = peak with B = 256. */
const optionsOf = (c: ScheduleCase): ScheduleOptions => ({
  base: c.peak,
  batchSize: 256,
  warmupSteps: c.warmup_steps,
  totalSteps: c.total_steps,
  kind: "cosine",
});

/** Largest |a − b| over two equal-length lists. */
function worst(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let w = 0;
  for (let i = 0; i < a.length; i++) w = Math.max(w, Math.abs((a[i] as number) - (b[i] as number)));
  return w;
}

// The official values are float32 (JAX's default); nfx computes in float64: they agree to float32's rounding.
const F32 = 2e-7;

before(async () => {
  await initBackend(testBackend());
});

describe("learning rate: official WarmupCosineDecay", () => {
  for (const name of ["W=4,T=10", "W=3.5,T=10", "T<=W"]) {
    it(`${name}: every step's rate is the official one`, () => {
      const c = official(name);
      const ours = c.steps.map((s) => lrAt(s, optionsOf(c)));
      assert.ok(worst(ours, c.lr as number[]) <= F32 * c.peak, `nfx ${ours}\nofficial ${c.lr}`);
    });
  }

  it("W=4, T=10, peak 1.6: 0, 0.4, 0.8, 1.2, 1.6, 1.49… — step 0 at lr 0, the peak at step W (not W − 1)", () => {
    const o = optionsOf(official("W=4,T=10"));
    assert.deepEqual(
      [0, 1, 2, 3, 4].map((s) => Number(lrAt(s, o).toFixed(6))),
      [0, 0.4, 0.8, 1.2, 1.6],
    );
    assert.ok(Math.abs(lrAt(5, o) - 1.4928203) < 1e-6);
  });

  it("W = 0: the cosine from step 0 at the peak (the official code gives NaN there), the official rates after", () => {
    const c = official("W=0");
    assert.equal(c.lr[0], null, "the fixture records the official NaN at step 0");
    assert.equal(lrAt(0, optionsOf(c)), c.peak);
    const ours = c.steps.slice(1).map((s) => lrAt(s, optionsOf(c)));
    assert.ok(worst(ours, c.lr.slice(1) as number[]) <= F32 * c.peak);
  });

  it("past the run's last step there is no rate: lrAt refuses it (the official cosine would rise again)", () => {
    const o = optionsOf(official("W=4,T=10"));
    assert.throws(() => lrAt(10, o), /step 10 is outside the run's 10 steps/);
    assert.throws(() => lrAt(-1, o), RangeError);
  });

  it("ImageNet NFNet (N 1281167, 360 epochs, B 4096): T = ⌊N·E/B⌋ and W unrounded, as experiment_nfnets.py", () => {
    const c = official("imagenet-nfnet");
    const { train_size: n, epochs, batch_size: b, warmup_epochs: we } = c as Required<ScheduleCase>;
    assert.equal(stepsFromEpochs(epochs, b, n, 4), c.total_steps);
    assert.equal(c.total_steps, 112_602);
    assert.equal(warmupSteps(we, n, b), c.warmup_steps);
    // nfx before revision 4: round(E·⌊N/B⌋) = 112,320 steps, W rounded to 1560.
    assert.equal(stepsFromEpochs(epochs, b, n, 3), 112_320);
    const ours = c.steps.map((s) => lrAt(s, optionsOf(c)));
    assert.ok(worst(ours, c.lr as number[]) <= F32 * c.peak, `nfx ${ours}\nofficial ${c.lr}`);
  });

  it("a length from epochs is ⌊N·E/B⌋ steps (fractions exact), at least 1", () => {
    assert.equal(stepsFromEpochs(10, 256, 60_000, 4), 2343); // nfx before: 2340
    assert.equal(stepsFromEpochs(0.3, 1, 1000, 4), 300);
    assert.equal(stepsFromEpochs(1.25, 8, 64, 4), 10);
    assert.equal(stepsFromEpochs(0.001, 256, 1000, 4), 1);
  });
});

describe("SGD at the schedule's step 0", () => {
  it("step 0 at lr 0 keeps the weights but fills the momentum buffer, which step 1 carries (official SGD)", () => {
    const f = fixture.sgd;
    const w = tf.variable(tf.tensor1d(f.param0));
    const sgd = new Sgd([w], [true], { momentum: f.momentum, nesterov: true, weightDecay: f.weight_decay });
    const o: ScheduleOptions = {
      base: f.schedule.peak,
      batchSize: 256,
      warmupSteps: f.schedule.warmup_steps,
      totalSteps: f.schedule.total_steps,
      kind: "cosine",
    };
    try {
      f.grads.forEach((g, s) => {
        assert.equal(lrAt(s, o), f.lr[s]);
        tf.tidy(() => sgd.apply([tf.tensor1d(g)], lrAt(s, o)));
        assert.ok(worst(w.dataSync(), f.params[s] as number[]) < 1e-6, `weights after step ${s}`);
        assert.ok(worst(momentumBuffer(sgd).dataSync(), f.momenta[s] as number[]) < 1e-6, `buffer ${s}`);
      });
      assert.deepEqual(f.params[0], f.param0, "the official step 0 leaves the parameter as it was");
      assert.notDeepEqual(f.params[1], f.param0);
    } finally {
      sgd.dispose();
      w.dispose();
    }
  });
});

/** The one momentum buffer of a one-parameter SGD. */
function momentumBuffer(sgd: Sgd): tf.Variable {
  const buffer = sgd.slots[0]?.vars[0];
  if (!buffer) throw new Error("SGD keeps no momentum buffer");
  return buffer;
}

describe("a run's stored lr is the official schedule's", () => {
  // Synthetic data: N = 80 at B = 8 (10 steps per epoch), or N = 64 for 1.25 epochs (T = 10, W = 0.4375·64/8 = 3.5).
  const cases = [
    { name: "W=4,T=10", trainSize: 80, epochs: 1, warmupEpochs: 0.4 },
    { name: "W=3.5,T=10", trainSize: 64, epochs: 1.25, warmupEpochs: 0.4375 },
  ];
  for (const k of cases) {
    it(`${k.name}: the lr metric of steps 0…W+2 and T−1 is the official one`, async () => {
      const c = official(k.name);
      const data = await loadDataset({ name: "synthetic", seed: 0 });
      const cfg = resolveConfig({
        data: { name: "synthetic", train_size: k.trainSize, test_size: 16 },
        model: { name: "nf-resnet-micro", widths: [8, 8, 8] },
        train: { batch_size: 8, epochs: k.epochs, micro_batch: 8, checkpoint_every: null },
        optim: { lr: (c.peak * 256) / 8, warmup_epochs: k.warmupEpochs },
      });
      assert.equal(cfg.revision, 4);
      assert.equal(planSteps(cfg, k.trainSize).total, c.total_steps);
      const lrs: number[] = [];
      const r = await trainRun(cfg, data, {
        step: (s, m) => {
          lrs[s] = m.lr as number;
        },
      });
      assert.equal(r.steps, c.total_steps, r.reason ?? "");
      const shown = [...Array.from({ length: Math.floor(c.warmup_steps) + 3 }, (_, s) => s), c.total_steps - 1];
      assert.ok(
        worst(
          shown.map((s) => lrs[s] as number),
          shown.map((s) => c.lr[s] as number),
        ) <=
          F32 * c.peak,
        `stored ${lrs}\nofficial ${c.lr}`,
      );
    });
  }
});

describe("EMA: official tf1_ema", () => {
  for (const c of fixture.ema) {
    it(`decay ${c.decay}: 20 steps average weights and state as the official rule (from t = 0)`, () => {
      const w = tf.variable(tf.tensor(c.weights[0] as number[], c.weight_shape));
      const s = tf.variable(tf.tensor(c.states[0] as number[], c.state_shape), false);
      const ema = new WeightEma([w], [s], c.decay);
      try {
        for (let t = 0; t < 20; t++) {
          w.assign(tf.tensor(c.weights[t + 1] as number[], c.weight_shape));
          s.assign(tf.tensor(c.states[t + 1] as number[], c.state_shape));
          ema.update(t);
          const [aw, as] = ema.averages as [tf.Variable, tf.Variable];
          assert.ok(worst(aw.dataSync(), c.avg_weights[t] as number[]) < 1e-6, `weights at step ${t}`);
          assert.ok(worst(as.dataSync(), c.avg_states[t] as number[]) < 1e-6, `state at step ${t}`);
        }
      } finally {
        ema.dispose();
        tf.dispose([w, s]);
      }
    });
  }

  it("the ramp: 0.1 at step 0, (1+t)/(10+t) until it reaches the decay", () => {
    assert.equal(emaDecayAt(0.99999, 0), 0.1);
    assert.equal(emaDecayAt(0.5, 8), 0.5);
    assert.equal(emaDecayAt(0.5, 30), 0.5);
    assert.equal(emaDecayAt(0.99999, 90), 91 / 100);
  });

  it("a 20-step run feeds its EMA each step's weights and BN state with the step's index from 0", async () => {
    // A BatchNorm model with EMA on: its averages after 20 steps are the tf1_ema rule (checked above against the
    // official function) applied to the weights and state the run had after each step.
    const data = await loadDataset({ name: "synthetic", seed: 0 });
    const cfg = resolveConfig({
      data: { name: "synthetic", train_size: 64, test_size: 16 },
      model: { name: "bn-resnet-micro", widths: [8, 8, 8] },
      train: { batch_size: 8, steps: 20, micro_batch: 8 },
      optim: { lr: 0.8, ema_decay: 0.99999 },
    });
    const model = buildModel(resolveModelSpec(cfg.model), {
      numClasses: data.numClasses,
      inputShape: data.imageShape,
      seed: cfg.seed,
    });
    const tracked = [...model.params, ...model.state].map((p) => p.variable);
    assert.ok(model.state.length > 0, "the BN model has state to average");
    const trainer = createTrainer(cfg, model, data.numClasses, 8);
    let want = tracked.map((v) => Float64Array.from(v.dataSync()));
    const feed = [...evalBatches(data.train, 8, 64)];
    try {
      for (let step = 0; step < 20; step++) {
        const { x, y } = feed[step % feed.length] as Batch;
        tf.dispose(trainer.step(x, y, step, 0.1).values);
        const d = emaDecayAt(0.99999, step);
        want = want.map((avg, i) => {
          const now = (tracked[i] as tf.Variable).dataSync();
          return avg.map((a, j) => d * a + (1 - d) * (now[j] as number));
        });
      }
      const got = (trainer.ema as WeightEma).averages;
      assert.equal(got.length, tracked.length);
      let err = 0;
      got.forEach((g, i) => {
        err = Math.max(err, worst(g.dataSync(), want[i] as Float64Array));
      });
      assert.ok(err < 1e-5, `EMA vs the rule on the run's own values: ${err}`);
    } finally {
      trainer.dispose();
      model.dispose();
      for (const b of feed) tf.dispose([b.x, b.y]);
    }
  });
});
