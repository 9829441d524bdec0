// Every optimizer resumes exactly (issue 26): a run stopped between steps and continued from its checkpoint makes
// the steps an uninterrupted run makes, bit for bit — the optimizer's state (LARS's momentum, Adam's and AdamW's
// moments) saved and restored, with gradient accumulation, EMA and SAM on and each AGC granularity; and through
// the CLI, an Adam run killed with SIGKILL continues from its checkpoint to the per-step losses of an uninterrupted
// run.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import path from "node:path";
import { before, describe, it } from "node:test";
import { resolveConfig } from "../../src/core/config/resolve.js";
import { type Dataset, loadDataset } from "../../src/core/data/index.js";
import { initBackend } from "../../src/core/engine/backend/backend.js";
import { type CheckpointPlan, checkpointFileName, FINAL_CHECKPOINT } from "../../src/core/train/checkpoint.js";
import { trainRun } from "../../src/core/train/trainRun.js";
import { readSafetensorsFile } from "../../src/core/weights/safetensors.js";
import { bin, nfx, peek } from "../e2e/sweepHelpers.js";
import { tempDir, testBackend, writeFile } from "../helpers.js";

/** wasm, or tensorflow under `npm run test:native` ($NFX_TEST_BACKEND). */
const BACKEND = testBackend();
let data: Dataset;
before(async () => {
  await initBackend(BACKEND);
  data = await loadDataset({ name: "synthetic", seed: 0, image_size: 8 });
});

const plan = (dir: string, resume: string | null = null): CheckpointPlan => ({
  dir,
  every: { steps: 3 },
  resume,
  configHash: "test",
  nfxVersion: "test",
  backend: BACKEND,
  final: true,
});

async function train(cfg: ReturnType<typeof resolveConfig>, p: CheckpointPlan, stopAt: number | null = null) {
  const losses = new Map<number, number>();
  let done = 0;
  const result = await trainRun(
    cfg,
    data,
    {
      step: (s, m) => {
        losses.set(s, m.loss as number);
        done = s + 1;
      },
      shouldStop: () => stopAt !== null && done >= stopAt,
    },
    p,
  );
  return { losses, result };
}

const bytes = (dir: string) =>
  new Map(
    [...readSafetensorsFile(path.join(dir, FINAL_CHECKPOINT)).tensors].map(([k, t]) => [
      k,
      Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).toString("hex"),
    ]),
  );

const CASES: [string, string, Record<string, unknown>][] = [
  ["lars", "unit", { optim: { name: "lars", lr: 2, trust: 0.02, ema_decay: 0.9 } }],
  ["adam", "layer", { optim: { name: "adam", lr: 0.01, weight_decay: 1e-3, sam_rho: 0.05 } }],
  ["adamw", "global", { optim: { name: "adamw", lr: 0.01, weight_decay: 0.05, ema_decay: 0.9, sam_rho: 0.05 } }],
  ["adam", "none", { optim: { name: "adam", lr: 0.01 } }],
];

describe("every optimizer resumes exactly", () => {
  for (const [name, granularity, input] of CASES) {
    it(`${name} with ${granularity} clipping, micro-batches, EMA/SAM: stopped at step 4, the rest and the final state equal`, async () => {
      const cfg = resolveConfig({
        ...input,
        model: { name: "nf-resnet-micro" },
        data: { name: "synthetic", train_size: 24, test_size: 16, image_size: 8 },
        train: { batch_size: 8, micro_batch: 4, steps: 8 },
        agc:
          granularity === "none"
            ? { granularity: "none" }
            : { granularity, lambda: granularity === "global" ? 1 : 0.02 },
        seed: 2,
      });
      const whole = tempDir();
      const a = await train(cfg, plan(whole));
      assert.equal(a.result.status, "completed");
      const parts = tempDir();
      const b = await train(cfg, plan(parts), 4);
      assert.equal(b.result.status, "interrupted");
      const c = await train(cfg, plan(parts, path.join(parts, checkpointFileName(4))));
      assert.equal(c.result.resumedFrom, 4);
      assert.deepEqual([...c.losses.keys()], [4, 5, 6, 7]);
      for (const [s, loss] of c.losses) assert.equal(loss, a.losses.get(s), `loss of step ${s}`);
      assert.equal(c.result.testTop1, a.result.testTop1);
      const wa = bytes(whole);
      const wc = bytes(parts);
      const slots = name === "lars" ? ["momentum/"] : ["adam_m/", "adam_v/"];
      for (const prefix of slots)
        assert.ok(
          [...wa.keys()].some((k) => k.startsWith(prefix)),
          `${prefix} saved`,
        );
      assert.deepEqual([...wc.keys()].sort(), [...wa.keys()].sort());
      for (const [k, v] of wa) assert.equal(wc.get(k), v, k);
    });
  }

  it("a checkpoint of one optimizer's state cannot seed another's (the slot names differ)", async () => {
    const base = {
      model: { name: "nf-resnet-micro" },
      data: { name: "synthetic", train_size: 24, test_size: 16, image_size: 8 },
      train: { batch_size: 8, steps: 4 },
    };
    const dir = tempDir();
    await train(resolveConfig({ ...base, optim: { name: "sgd" } }), plan(dir), 3);
    const file = path.join(dir, checkpointFileName(3));
    await assert.rejects(
      train(resolveConfig({ ...base, optim: { name: "adam", lr: 0.01 } }), plan(tempDir(), file)),
      /no tensor adam_m\//,
    );
  });
});

const SWEEP = `name: adam-resume
model: { name: nf-resnet-micro }
data: { name: synthetic, train_size: 64, test_size: 16, image_size: 12 }
train: { steps: 60, batch_size: 8, micro_batch: 8, checkpoint_every: 10, keep_checkpoints: 2 }
optim: { name: adam, lr: 0.005, weight_decay: 1e-3 }
agc: { granularity: unit, lambda: 0.05 }
`;
const common = ["--backend", BACKEND, "--jobs", "1", "--out", "figs"];
const LOSSES = "SELECT step, value FROM metrics WHERE name = 'loss' ORDER BY step";

describe("an Adam run killed with SIGKILL resumes exactly (CLI)", () => {
  it("killed at about step 30, the sweep run again gives the uninterrupted run's 60 losses, bit for bit", async () => {
    const dir = tempDir();
    const file = writeFile(dir, "adam.yaml", SWEEP);
    const db = path.join(dir, "nfx.db");
    const child = spawn(process.execPath, [bin, "sweep", file, "--db", db, ...common, "--quiet"], {
      cwd: dir,
      detached: true,
      stdio: "ignore",
      env: { ...process.env, NFX_DB: "" },
    });
    let gone = false;
    const exited = new Promise<void>((resolve) =>
      child.once("exit", () => {
        gone = true;
        resolve();
      }),
    );
    let done = 0;
    const t0 = Date.now();
    while (done < 30) {
      if (gone) throw new Error("the sweep exited before step 30 (is dist/ built? npm run build)");
      if (Date.now() - t0 > 300_000) throw new Error("the sweep did not reach step 30 in 5 minutes");
      await new Promise((r) => setTimeout(r, 20));
      done = peek<{ steps_done: number }>(db, "SELECT steps_done FROM runs")[0]?.steps_done ?? 0;
    }
    process.kill(-(child.pid as number), "SIGKILL");
    await exited;
    const again = nfx(["sweep", file, "--db", db, ...common], dir);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stderr, /resumed from step [1-9]\d* \(/);
    const resumed = peek<{ step: number; value: number }>(db, LOSSES);

    const refDir = tempDir();
    const ref = nfx(["sweep", file, "--db", path.join(refDir, "nfx.db"), ...common, "--quiet"], refDir);
    assert.equal(ref.status, 0, ref.stderr);
    const whole = peek<{ step: number; value: number }>(path.join(refDir, "nfx.db"), LOSSES);
    assert.equal(whole.length, 60);
    assert.deepEqual(resumed, whole);
  });
});
