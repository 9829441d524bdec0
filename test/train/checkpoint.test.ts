// A checkpoint holds the whole training state (src/core/train/checkpoint.ts): a run stopped between steps and
// continued from its checkpoint in a fresh process state makes the steps an uninterrupted run makes, bit for bit —
// with every source of state the recipe has switched on (momentum, EMA, SAM, MixUp, crop/flip, dropout,
// stochastic depth; BatchNorm running averages), across an epoch boundary.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { before, describe, it } from "node:test";
import { ConfigError } from "../../src/core/config/configError.js";
import { parseStepsOrDuration } from "../../src/core/config/duration.js";
import { resolveConfig } from "../../src/core/config/resolve.js";
import { type Dataset, loadDataset } from "../../src/core/data/index.js";
import { initBackend } from "../../src/core/engine/backend/backend.js";
import {
  type CheckpointPlan,
  checkpointFileName,
  FINAL_CHECKPOINT,
  readCheckpoint,
  type SavedCheckpoint,
} from "../../src/core/train/checkpoint.js";
import { trainRun } from "../../src/core/train/trainRun.js";
import { readSafetensorsFile as readSafetensors } from "../../src/core/weights/safetensors.js";
import { tempDir } from "../helpers.js";

let data: Dataset;
before(async () => {
  await initBackend("wasm");
  data = await loadDataset({ name: "synthetic", seed: 0, image_size: 8 });
});

const plan = (dir: string, every: CheckpointPlan["every"], resume: string | null = null): CheckpointPlan => ({
  dir,
  every,
  resume,
  configHash: "test",
  nfxVersion: "test",
  backend: "wasm",
  final: true,
});

/** Trains `cfg` with checkpoints into `dir`; stops after `stopAt` steps when given. Losses keyed by step. */
async function train(
  cfg: ReturnType<typeof resolveConfig>,
  p: CheckpointPlan,
  stopAt: number | null = null,
): Promise<{ losses: Map<number, number>; saved: SavedCheckpoint[]; result: Awaited<ReturnType<typeof trainRun>> }> {
  const losses = new Map<number, number>();
  const saved: SavedCheckpoint[] = [];
  let done = 0;
  const result = await trainRun(
    cfg,
    data,
    {
      step: (s, m) => {
        losses.set(s, m.loss as number);
        done = s + 1;
      },
      checkpoint: (c) => saved.push(c),
      shouldStop: () => stopAt !== null && done >= stopAt,
    },
    p,
  );
  return { losses, saved, result };
}

/** The tensors of a final checkpoint, as bytes by name. */
function finalTensors(dir: string): Map<string, string> {
  const { tensors } = readSafetensors(path.join(dir, FINAL_CHECKPOINT));
  return new Map(
    [...tensors].map(([k, t]) => [k, Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).toString("hex")]),
  );
}

const RECIPES = {
  "NF-ResNet with momentum, EMA, SAM, MixUp, crop/flip, dropout and stochastic depth": {
    model: { name: "nf-resnet-micro", dropout: 0.3, stoch_depth: 0.2 },
    data: {
      name: "synthetic",
      train_size: 24,
      test_size: 16,
      image_size: 8,
      augment: { crop: 2, flip: true, mixup: 0.2 },
    },
    train: { batch_size: 8, micro_batch: 4, steps: 8 },
    optim: { ema_decay: 0.9, sam_rho: 0.05, warmup_epochs: 0.4 },
    seed: 3,
  },
  "BatchNorm ResNet (running averages)": {
    model: { name: "bn-resnet-micro" },
    data: { name: "synthetic", train_size: 24, test_size: 16, image_size: 8 },
    train: { batch_size: 8, micro_batch: 8, steps: 8 },
    seed: 1,
  },
};

describe("checkpoints and exact resume (in process)", () => {
  for (const [what, input] of Object.entries(RECIPES)) {
    it(`${what}: stopped at step 4 and continued, every later loss and the final state equal an uninterrupted run's`, async () => {
      const cfg = resolveConfig(input);
      const whole = tempDir();
      const a = await train(cfg, plan(whole, { steps: 3 }));
      assert.ok(a.result.status === "completed" || a.result.status === "collapsed", a.result.status);
      assert.deepEqual(
        a.saved.map((c) => [c.step, c.final]),
        [
          [3, false],
          [6, false],
          [8, true],
        ],
      );
      // Stopped from outside after 4 steps (mid-epoch 1: 3 steps an epoch): the stop saves a checkpoint there.
      const parts = tempDir();
      const b = await train(cfg, plan(parts, { steps: 3 }), 4);
      assert.equal(b.result.status, "interrupted");
      const stopFile = path.join(parts, checkpointFileName(4));
      assert.deepEqual(b.saved.at(-1)?.file, stopFile);
      const rec = readCheckpoint(stopFile).record;
      assert.deepEqual([rec.step, rec.epoch, rec.batchIndex, rec.micro], [4, 1, 1, cfg.train.micro_batch]);
      const c = await train(cfg, plan(parts, { steps: 3 }, stopFile));
      assert.equal(c.result.status, a.result.status);
      assert.equal(c.result.resumedFrom, 4);
      assert.deepEqual([...c.losses.keys()], [4, 5, 6, 7]);
      for (const [s, loss] of c.losses) assert.equal(loss, a.losses.get(s), `loss of step ${s}`);
      for (const [s, loss] of b.losses) assert.equal(loss, a.losses.get(s), `loss of step ${s}`);
      assert.equal(c.result.finalLoss, a.result.finalLoss);
      assert.equal(c.result.testTop1, a.result.testTop1);
      // Weights, momentum, EMA, BatchNorm state and the loss history: the same bytes.
      const wa = finalTensors(whole);
      const wc = finalTensors(parts);
      assert.ok(wa.size > 10);
      assert.deepEqual([...wc.keys()].sort(), [...wa.keys()].sort());
      for (const [k, v] of wa) assert.equal(wc.get(k), v, k);
      if (cfg.optim.ema_decay !== null) assert.ok([...wa.keys()].some((k) => k.startsWith("ema/")));
      if (input.model.name === "bn-resnet-micro") assert.ok([...wa.keys()].some((k) => k.startsWith("state/")));
    });
  }

  it("refuses a checkpoint of another model or another run, naming the tensor or the hash", async () => {
    const dir = tempDir();
    const cfg = resolveConfig(RECIPES["BatchNorm ResNet (running averages)"]);
    await train(
      resolveConfig({ ...RECIPES["BatchNorm ResNet (running averages)"], train: { batch_size: 8, steps: 2 } }),
      plan(dir, { steps: 1 }),
    );
    const file = path.join(dir, checkpointFileName(1));
    const other = resolveConfig({
      ...RECIPES["BatchNorm ResNet (running averages)"],
      model: { name: "nf-resnet-micro" },
    });
    await assert.rejects(
      train(other, plan(dir, null, file)),
      /no tensor param\/\S+ \(expected shape|has shape \[.*\], expected/,
    );
    await assert.rejects(
      train(cfg, { ...plan(dir, null, file), configHash: "another" }),
      /a checkpoint of run test, not of another/,
    );
    fs.truncateSync(file, 100);
    await assert.rejects(train(cfg, plan(dir, null, file)), /not a readable safetensors file: truncated/);
  });

  it("train.checkpoint_every: steps, a duration or never; anything else is refused naming the key", () => {
    assert.deepEqual(parseStepsOrDuration(20), { steps: 20 });
    assert.deepEqual(parseStepsOrDuration("10m"), { ms: 600_000 });
    assert.deepEqual(parseStepsOrDuration("1.5h"), { ms: 5_400_000 });
    assert.equal(parseStepsOrDuration(null), null);
    assert.equal(resolveConfig({}).train.checkpoint_every, "10m");
    assert.equal(resolveConfig({ train: { checkpoint_every: 50 } }).train.checkpoint_every, 50);
    for (const bad of [-1, 2.5, "10 minutes", "m", true]) {
      assert.throws(
        () => resolveConfig({ train: { checkpoint_every: bad } }),
        (e: unknown) =>
          e instanceof ConfigError && /^train\.checkpoint_every: must be a whole number of steps/.test(e.message),
        String(bad),
      );
    }
    assert.throws(() => resolveConfig({ train: { keep_checkpoints: 0 } }), /train\.keep_checkpoints: must be ≥ 1/);
  });
});
