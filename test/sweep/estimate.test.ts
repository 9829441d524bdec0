// The cost estimate of a sweep's missing runs (core/sweep/estimate.ts), on constructed stored runs: steps from the
// trainer's own count, times from similar stored runs (and which ones), else a calibrated throughput, and the wall
// time on the workers.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { configHash, stepsFromEpochs } from "../../src/core/config/hash.js";
import { resolveConfig } from "../../src/core/config/resolve.js";
import type { RunConfig } from "../../src/core/config/schema.js";
import type { RunEnvironment, RunStatus, StoredRun } from "../../src/core/store/runStore.js";
import {
  estimateCost,
  type Machine,
  makespan,
  PARALLEL_SLOWDOWN,
  runSize,
  storedBasis,
  type Throughput,
  timedRuns,
} from "../../src/core/sweep/estimate.js";
import type { ExpandedRun } from "../../src/core/sweep/expand.js";
import { parseSweep } from "../../src/core/sweep/sweepSpec.js";
import { runsToTrain } from "../../src/experiments/costEstimate.js";

const MACHINE: Machine = { host: "box", backend: "wasm", cores: 2 };

function config(over: Record<string, unknown> = {}): RunConfig {
  return resolveConfig({
    model: { name: "nf-resnet-micro" },
    data: { name: "fashion-mnist" },
    train: { epochs: 1, batch_size: 1024 },
    ...over,
  });
}

function env(host = MACHINE.host, backend = MACHINE.backend): RunEnvironment {
  return {
    backend,
    backend_version: "4.22.0",
    device: "cpu",
    host,
    node_version: "v22",
    nfx_version: "0.2.0",
    git_commit: null,
    git_dirty: null,
    extra: {},
  };
}

let nextId = 1;
function stored(
  cfg: RunConfig,
  o: { duration: number; steps: number; status?: RunStatus; environment?: RunEnvironment },
): StoredRun {
  return {
    id: nextId++,
    config_hash: configHash(cfg),
    status: o.status ?? "completed",
    config: cfg,
    summary: null,
    error: null,
    created_at: "",
    started_at: "",
    finished_at: "",
    duration_s: o.duration,
    steps_total: o.steps,
    steps_done: o.steps,
    environment: o.environment ?? env(),
    attempts: 1,
    owner: null,
    owner_alive: null,
    heartbeat_at: null,
    duplicate_of: null,
  };
}

function toRun(cfg: RunConfig, index = 0): ExpandedRun {
  return { index, point: { seed: cfg.seed }, config: cfg, hash: configHash(cfg) };
}

const noCalibration = () => null;

describe("cost estimate", () => {
  it("sizes a run by the trainer's step count: fashion-mnist, 1 epoch, batch 1024 and 64", () => {
    assert.deepEqual(runSize(config()), { steps: stepsFromEpochs(1, 1024, 60_000), images: 58 * 1024 });
    assert.equal(runSize(config())?.steps, 58);
    assert.equal(runSize(config({ train: { epochs: 1, batch_size: 64 } }))?.steps, 937);
    assert.deepEqual(
      runSize(config({ data: { name: "fashion-mnist", train_size: 512 }, train: { steps: 7, batch_size: 64 } })),
      {
        steps: 7,
        images: 7 * 64,
      },
    );
    const folder = { name: "imagefolder", path: "/nowhere" };
    assert.equal(runSize(config({ data: folder })), null, "an image folder's size is known once it is read");
    assert.equal(runSize(config({ data: folder, train: { steps: 5, batch_size: 8 } }))?.images, 40);
  });

  it("times by stored runs of the same model and batch on this host and backend, naming them", () => {
    const a = stored(config({ seed: 0 }), { duration: 58, steps: 58 });
    const b = stored(config({ seed: 1, agc: { lambda: 0.16 } }), { duration: 116, steps: 58 });
    const c = stored(config({ seed: 2 }), { duration: 87, steps: 58 });
    const others = [
      stored(config({ seed: 3 }), { duration: 1, steps: 58, environment: env("elsewhere") }),
      stored(config({ seed: 4 }), { duration: 1, steps: 58, environment: env(MACHINE.host, "tensorflow") }),
      stored(config({ seed: 5 }), { duration: 1, steps: 8, status: "diverged" }),
      stored(config({ seed: 6, model: { name: "bn-resnet-micro" } }), { duration: 1, steps: 58 }),
    ];
    const timed = timedRuns([a, b, c, ...others], MACHINE);
    assert.deepEqual(
      timed.map((t) => t.run.id),
      [a.id, b.id, c.id, others[3]?.id],
      "other hosts, backends and runs that stopped early do not time",
    );
    // Skip gains' initial value changes the weights, not the computation: still the same cost.
    const basis = storedBasis(config({ seed: 9, model: { name: "nf-resnet-micro", skipGainInit: 1 } }), timed);
    assert.deepEqual(basis, { kind: "stored-steps", runIds: [a.id, b.id, c.id], secondsPerStep: 1.5 }, "the median");
  });

  it("at another batch size, times per image; with no similar run, nothing", () => {
    const a = stored(config({ train: { epochs: 1, batch_size: 64 } }), { duration: 93.7, steps: 937 });
    const timed = timedRuns([a], MACHINE);
    const basis = storedBasis(config(), timed);
    assert.equal(basis?.kind, "stored-images");
    assert.ok(basis?.kind === "stored-images" && Math.abs(basis.secondsPerImage - 0.1 / 64) < 1e-12);
    assert.equal(storedBasis(config({ model: { name: "bn-resnet-micro" } }), timed), null);
  });

  it("schedules runs on the workers in sweep order: the wall time is the last worker's end", () => {
    assert.equal(makespan([10, 10, 10], 1), 30);
    assert.equal(makespan([10, 10, 10], 2), 20);
    assert.equal(makespan([30, 10, 10, 10], 2), 30);
    assert.equal(makespan([], 2), 0);
  });

  it("estimates from stored durations with --jobs: side by side each run is slower, 4 workers on 2 cores take turns", () => {
    const done = stored(config({ seed: 0 }), { duration: 116, steps: 58 });
    const runs = [1, 2, 3, 4].map((seed, i) => toRun(config({ seed }), i));
    const one = estimateCost(runs, [done], MACHINE, 1, noCalibration);
    assert.deepEqual(
      one.runs.map((r) => r.seconds),
      [116, 116, 116, 116],
      "one worker: as it ran, alone",
    );
    assert.equal(one.seconds, 464);
    assert.equal(one.steps, 4 * 58);
    assert.equal(one.images, 4 * 58 * 1024);
    assert.deepEqual(one.runs[0]?.basis, { kind: "stored-steps", runIds: [done.id], secondsPerStep: 2 });
    const two = estimateCost(runs, [done], MACHINE, 2, noCalibration);
    assert.ok(Math.abs((two.seconds ?? 0) - 2 * 116 * PARALLEL_SLOWDOWN) < 1e-9);
    const four = estimateCost(runs, [done], MACHINE, 4, noCalibration);
    assert.equal(four.workers, 4);
    assert.ok(Math.abs((four.seconds ?? 0) - 2 * 116 * PARALLEL_SLOWDOWN) < 1e-9, "no faster than 2 on 2 cores");
    assert.equal(estimateCost(runs.slice(0, 1), [done], MACHINE, 8, noCalibration).workers, 1);
  });

  it("a stored run that trained beside another is counted at its time alone", () => {
    const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
    const sideBySide = 100 * PARALLEL_SLOWDOWN;
    const side = (seed: number, start: number) => ({
      ...stored(config({ seed }), { duration: sideBySide, steps: 58 }),
      started_at: at(start),
      finished_at: at(start + sideBySide),
    });
    const alone = { ...side(2, 1000), duration_s: 100, finished_at: at(1100) };
    const timed = timedRuns([side(0, 0), side(1, 10), alone], MACHINE);
    assert.deepEqual(
      timed.map((t) => Math.round(t.aloneSeconds * 1000) / 1000),
      [100, 100, 100],
    );
  });

  it("falls back to the calibrated throughput: training and test images over images/s, slowed when side by side", () => {
    const throughput: Throughput = { imagesPerS: 500, micro: 256, load: 0.5, cached: false };
    const cfg = config();
    const alone = estimateCost([toRun(cfg)], [], MACHINE, 2, () => throughput);
    const work = 58 * 1024 + 10_000 / 3; // the test split, evaluated once at the end, at a forward pass's cost
    assert.ok(Math.abs((alone.seconds ?? 0) - work / 500) < 1e-9, "one run: one worker, alone");
    assert.deepEqual(alone.runs[0]?.basis, {
      kind: "calibrated",
      model: "nf-resnet-micro",
      batch: 1024,
      ...throughput,
    });
    const pair = estimateCost([toRun(cfg, 0), toRun(config({ seed: 1 }), 1)], [], MACHINE, 2, () => throughput);
    assert.ok(Math.abs((pair.seconds ?? 0) - (work / 500) * PARALLEL_SLOWDOWN) < 1e-9);
    const none = estimateCost([toRun(cfg)], [], MACHINE, 2, noCalibration);
    assert.equal(none.seconds, null, "a run nothing can time leaves the total unknown");
    assert.equal(none.runs[0]?.basis.kind, "none");
  });

  it("times a run to its early stop: its other seeds in the store first, else the sweep file's early_stops", () => {
    const throughput: Throughput = { imagesPerS: 1024, micro: 256, load: 0, cached: false };
    const unclipped = (seed: number) => config({ seed, agc: { lambda: null } });
    const diverged = (seed: number, at: number) => ({
      ...stored(unclipped(seed), { duration: at, steps: 58, status: "diverged" }),
      steps_done: at,
    });
    const doc = parseSweep(
      {
        early_stops: [
          { where: { "agc.lambda": null }, steps: 8, source: "pilots: diverged at 7-8" },
          { where: "agc.lambda > 0.1", steps: 80, source: "more than planned: no stop" },
        ],
      },
      "s",
    );
    const hints = doc.earlyStops;
    const fromHint = estimateCost([toRun(unclipped(5))], [], MACHINE, 1, () => throughput, hints);
    assert.deepEqual(fromHint.runs[0]?.stop, {
      steps: 8,
      from: { kind: "sweep-file", source: "pilots: diverged at 7-8" },
    });
    assert.equal(fromHint.steps, 58, "the planned steps stay");
    assert.equal(fromHint.expectedSteps, 8);
    assert.ok(Math.abs((fromHint.seconds ?? 0) - (8 * 1024 + 10_000 / 3) / 1024) < 1e-9, "8 steps and the test pass");
    // Seeds 0 and 1 stored: diverged at 7 and a completed one (58): mean fraction (7 + 58) / 116 of 58 steps.
    const siblings = [diverged(0, 7), stored(unclipped(1), { duration: 58, steps: 58 })];
    const fromStore = estimateCost([toRun(unclipped(5))], siblings, MACHINE, 1, () => throughput, hints);
    assert.deepEqual(fromStore.runs[0]?.stop, {
      steps: Math.round(((7 + 58) / 116) * 58),
      from: { kind: "stored", runIds: siblings.map((r) => r.id) },
    });
    const allDone = [stored(unclipped(2), { duration: 58, steps: 58 })];
    assert.equal(estimateCost([toRun(unclipped(5))], allDone, MACHINE, 1, () => throughput, hints).runs[0]?.stop, null);
    const over = estimateCost([toRun(config({ agc: { lambda: 0.16 } }))], [], MACHINE, 1, () => throughput, hints);
    assert.equal(over.runs[0]?.stop, null, "a hint of more steps than planned stops nothing");
    assert.equal(estimateCost([toRun(config())], [], MACHINE, 1, () => throughput, hints).runs[0]?.stop, null);
  });

  it("refuses an early_stops entry naming what is wrong", () => {
    const bad = (entry: unknown) => () => parseSweep({ early_stops: [entry] }, "s");
    assert.throws(bad({ where: { "agc.lambda": null }, steps: 0, source: "x" }), /early_stops\[0\]\.steps/);
    assert.throws(bad({ where: { "agc.lambda": null }, steps: 8 }), /early_stops\[0\]\.source: must say/);
    assert.throws(bad({ where: { "agc.lamda": null }, steps: 8, source: "x" }), /unknown key 'agc.lamda'.*agc.lambda/);
    assert.throws(bad({ wher: {}, steps: 8, source: "x" }), /unknown key 'wher'/);
    assert.throws(() => parseSweep({ early_stops: { steps: 8 } }, "s"), /early_stops: must be a list/);
    // Every entry's faults in one report, as the rest of a sweep file's.
    const many = () =>
      parseSweep(
        {
          early_stops: [
            { where: { "agc.lambda": null }, steps: 8 },
            { where: { "agc.lambda": null }, steps: 0, source: "x" },
            { where: { "agc.lambda": null }, steps: 8, source: "x", extra: 1 },
          ],
        },
        "s",
      );
    assert.throws(many, (err: Error) => {
      for (const fault of [
        /early_stops\[0\]\.source/,
        /early_stops\[1\]\.steps/,
        /early_stops\[2\]: unknown key 'extra'/,
      ])
        assert.match(err.message, fault);
      return true;
    });
  });

  it("a run left running by a dead owner (kill -9) is counted to train, as the sweep re-queues it", () => {
    const cfgs = [0, 1, 2].map((seed) => config({ seed }));
    const done = stored(cfgs[0] as RunConfig, { duration: 58, steps: 58 });
    const orphan = {
      ...stored(cfgs[1] as RunConfig, { duration: 1, steps: 58, status: "running" }),
      owner_alive: false,
    };
    const alive = { ...stored(cfgs[2] as RunConfig, { duration: 1, steps: 58, status: "running" }), owner_alive: true };
    const left = runsToTrain(
      cfgs.map((c, i) => toRun(c, i)),
      [done, orphan, alive],
      false,
    );
    assert.deepEqual(
      left.map((r) => r.config.seed),
      [1],
      "the orphan is to train; the finished run and the one a live sweep trains are not",
    );
  });
});
