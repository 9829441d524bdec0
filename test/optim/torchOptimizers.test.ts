// Each optimizer's first three steps against PyTorch's (issue 26): torch.optim.Adam, torch.optim.AdamW and a LARS
// written from its paper (You et al. 2017, Algorithm 1) in reference/torch_nfx.py (float64), on the differential
// test's two tiny networks (the weights and batches of reference/fixtures/torch/<net>.json), after unit-wise AGC
// at λ = 0.01 on the raw gradient. nfx's own training step (createTrainer with optim.name set) must give the
// weights after three steps, and the update w3 − w0 itself, within 1e-4 relative per tensor, on cpu and wasm; the
// losses of the three steps likewise (and on tensorflow where tfjs-node is installed). Fixture: reference/fixtures/torch/optimizers.json (regenerate:
// `/usr/bin/python3 reference/torch_nfx.py --only-optimizers`).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { resolveConfig } from "../../src/core/config/resolve.js";
import { type BackendName, initBackend } from "../../src/core/engine/backend/backend.js";
import { tf } from "../../src/core/engine/tf.js";
import { buildModel, resolveModelSpec } from "../../src/core/models/index.js";
import { lrAt } from "../../src/core/train/schedule.js";
import { createTrainer } from "../../src/core/train/step.js";
import { nativeSkipReason } from "../helpers.js";
import { type PackedArray, readFixture, unpack } from "../models/officialFixtures.js";

interface Net {
  seed: number;
  nfx: { name: string; [option: string]: unknown };
  num_classes: number;
  input_shape: [number, number, number];
  images: PackedArray[];
  labels: number[][];
  params: Record<string, PackedArray>;
}

interface OptimizerRun {
  settings: {
    peak_lr: number;
    base_lr: number;
    batch_size: number;
    warmup_steps: number;
    total_steps: number;
    agc_lambda: number;
    weight_decay: number;
    beta1?: number;
    beta2?: number;
    eps?: number;
    momentum?: number;
    trust?: number;
  };
  lrs: number[];
  losses: number[];
  weights_after: Record<string, PackedArray>;
}

const TOLERANCE = 1e-4;
const FIXTURE = readFixture<{ nets: Record<string, { seed: number; optimizers: Record<string, OptimizerRun> }> }>(
  "torch/optimizers.json",
);

/** max|got − want| / max(max|want|, floor): the differential test's measure. */
function relativeError(got: ArrayLike<number>, want: ArrayLike<number>, floor = 1e-30): number {
  assert.equal(got.length, want.length);
  let err = 0;
  let scale = floor;
  for (let i = 0; i < want.length; i++) {
    err = Math.max(err, Math.abs((got[i] as number) - (want[i] as number)));
    scale = Math.max(scale, Math.abs(want[i] as number));
  }
  return Number.isNaN(err) ? Number.POSITIVE_INFINITY : err / scale;
}

/** The run's config: nfx's defaults with the fixture's optimizer settings (only the keys that optimizer reads). */
function configOf(name: string, net: Net, run: OptimizerRun, change: Record<string, unknown> = {}) {
  const s = run.settings;
  const own = Object.fromEntries(
    (["beta1", "beta2", "eps", "momentum", "trust"] as const).filter((k) => s[k] !== undefined).map((k) => [k, s[k]]),
  );
  return resolveConfig({
    model: net.nfx,
    train: { batch_size: s.batch_size },
    optim: { name, lr: s.base_lr, weight_decay: s.weight_decay, ...own, ...change },
    agc: { granularity: "unit", lambda: s.agc_lambda },
  });
}

interface Errors {
  weights_after: number;
  weight_deltas: number;
  step_losses: number;
  where: string;
}

/** Three steps of nfx's trainer with optimizer `name` from the fixture's weights; errors against PyTorch's. */
async function threeSteps(
  backend: BackendName,
  netName: string,
  name: string,
  change: Record<string, unknown> = {},
): Promise<Errors> {
  await initBackend(backend);
  const net = readFixture<Net>(`torch/${netName}.json`);
  const entry = FIXTURE.nets[netName];
  assert.ok(entry, netName);
  assert.equal(entry.seed, net.seed, "the optimizer fixture was made from the network fixture's weights");
  const run = entry.optimizers[name] as OptimizerRun;
  const cfg = configOf(name, net, run, change);
  const spec = resolveModelSpec(net.nfx);
  const model = buildModel(spec, { numClasses: net.num_classes, inputShape: net.input_shape, seed: 0 });
  const before = new Map<string, Float32Array>();
  for (const p of model.params) {
    const value = net.params[p.name] as PackedArray;
    tf.tidy(() => p.variable.assign(tf.tensor(unpack(value), value.shape)));
    before.set(p.name, unpack(value));
  }
  const trainer = createTrainer(cfg, model, net.num_classes, run.settings.batch_size);
  let stepLosses = 0;
  try {
    for (let step = 0; step < run.lrs.length; step++) {
      const lr = lrAt(step, {
        base: cfg.optim.lr,
        batchSize: cfg.train.batch_size,
        warmupSteps: run.settings.warmup_steps,
        totalSteps: run.settings.total_steps,
        kind: cfg.optim.schedule,
      });
      assert.ok(Math.abs(lr - (run.lrs[step] as number)) <= 1e-12, `step ${step}: lr ${lr}, torch ${run.lrs[step]}`);
      const img = net.images[step] as PackedArray;
      const x = tf.tensor4d(unpack(img), img.shape as [number, number, number, number]);
      const y = tf.tensor1d(net.labels[step] as number[], "int32");
      const out = trainer.step(x, y, step, lr);
      const loss = out.values.dataSync()[0] as number;
      tf.dispose([x, y, out.values]);
      const want = run.losses[step] as number;
      stepLosses = Math.max(stepLosses, Math.abs(loss - want) / Math.abs(want));
    }
    let weights = 0;
    let deltas = 0;
    let where = "";
    for (const p of model.params) {
      const got = p.variable.dataSync() as Float32Array;
      const want = unpack(run.weights_after[p.name] as PackedArray);
      const w0 = before.get(p.name) as Float32Array;
      weights = Math.max(weights, relativeError(got, want));
      // The update w3 − w0 against its own size, floored at 1% of the tensor's largest weight (float32 holds a
      // weight only to ~1 ulp per step; see test/models/torchDifferential.test.ts).
      const floor = 1e-2 * w0.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      const e = relativeError(
        got.map((a, i) => a - (w0[i] as number)),
        Float64Array.from(want, (a, i) => a - (w0[i] as number)),
        floor,
      );
      if (!(e <= deltas)) [deltas, where] = [e, p.name];
    }
    return { weights_after: weights, weight_deltas: deltas, step_losses: stepLosses, where };
  } finally {
    trainer.dispose();
    model.dispose();
  }
}

describe("optimizers against PyTorch (reference/torch_nfx.py, fixtures/torch/optimizers.json)", () => {
  // tensorflow (libtensorflow through tfjs-node) where it is installed: `npm run test:native`, CI's second pass.
  const backends: BackendName[] = nativeSkipReason() ? ["cpu", "wasm"] : ["cpu", "wasm", "tensorflow"];
  for (const backend of backends) {
    for (const netName of Object.keys(FIXTURE.nets)) {
      for (const name of ["adam", "adamw", "lars"]) {
        it(`${name}, ${netName} on ${backend}: 3 steps after unit-wise AGC within 1e-4 relative`, async (t) => {
          const e = await threeSteps(backend, netName, name);
          t.diagnostic(
            `${name} ${netName} ${backend}: weights ${e.weights_after.toExponential(2)}, update ` +
              `${e.weight_deltas.toExponential(2)} (${e.where}), losses ${e.step_losses.toExponential(2)}`,
          );
          assert.ok(e.weights_after <= TOLERANCE, `weights_after ${e.weights_after}`);
          assert.ok(e.weight_deltas <= TOLERANCE, `weight_deltas ${e.weight_deltas} (${e.where})`);
          assert.ok(e.step_losses <= TOLERANCE, `step losses ${e.step_losses}`);
        });
      }
    }
  }

  // The comparison can fail: each optimizer's defining detail, changed, is ≥ 100× the tolerance off.
  const tells: [string, string, Record<string, unknown>][] = [
    ["adamw", "L2 in the gradient (adam) instead of decoupled decay", { name: "adam" }],
    ["adam", "decoupled decay (adamw) instead of L2 in the gradient", { name: "adamw" }],
    ["adam", "β1 0.8 instead of the fixture's 0.9", { beta1: 0.8 }],
    ["lars", "trust coefficient η doubled", { trust: 0.04 }],
    ["lars", "no trust ratio (sgd, heavy-ball)", { name: "sgd", nesterov: false }],
  ];
  for (const [name, what, change] of tells) {
    it(`the fixture tells (${name}): ${what}`, async () => {
      const e = await threeSteps("wasm", "nfnet-tiny", name, change);
      assert.ok(e.weight_deltas > 100 * TOLERANCE, `weight_deltas ${e.weight_deltas}`);
    });
  }
});
