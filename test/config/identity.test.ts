// Run identity (config/hash.ts) and what a sweep file may describe (expand.ts): inert and execution keys stay out
// of the hash, added defaulted keys keep every hash, labels come from the config that runs, and sweeps that
// cannot run as written are refused before anything trains.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { PNG } from "pngjs";
import { ConfigError } from "../../src/core/config/configError.js";
import {
  configHash,
  configIdentity,
  EXECUTION_KEYS,
  IDENTITY_BASELINE,
  inertKeys,
} from "../../src/core/config/hash.js";
import { resolveConfig } from "../../src/core/config/resolve.js";
import { CONFIG_KEYS, type RunConfig, TRAINING_REVISION } from "../../src/core/config/schema.js";
import { checkFigureName } from "../../src/core/plot/render.js";
import { varyingConfigKeys } from "../../src/core/plot/runRows.js";
import { RunStore, type StoredRun } from "../../src/core/store/runStore.js";
import { expandSweep, expandSweepPlan, loadSweepFile } from "../../src/core/sweep/expand.js";
import { noChangeReason } from "../../src/core/sweep/noChange.js";
import { validateRunsDeep } from "../../src/core/sweep/preflight.js";
import { checkSweepName, parseSweep, safeSweepName } from "../../src/core/sweep/sweepSpec.js";
import { finishedRunsOf } from "../../src/experiments/figures/presetRuns.js";
import { loadSweepSource, planSweep } from "../../src/experiments/sweepFile.js";
import { tempDir, writeFile } from "../helpers.js";

const hashOf = (input: unknown) => configHash(resolveConfig(input));

describe("run identity", () => {
  it("a grid over agc.exclude without clipping is one run: refused at the axis when clipping is off throughout", () => {
    const spec = parseSweep(
      {
        agc: { lambda: null },
        grid: { "agc.exclude": [[], ["classifier_weight"], ["classifier_weight", "stem_conv"]] },
      },
      "t",
    );
    assert.throws(() => expandSweepPlan(spec), /agc\.exclude: .*changes no run.*because clipping is off/);
    const file = writeFile(
      tempDir(),
      "ex.yaml",
      "agc: { lambda: null }\ngrid:\n  agc.exclude: [[], [classifier_weight, stem_conv]]\n",
    );
    assert.throws(
      () => loadSweepFile(file),
      (e: unknown) => e instanceof ConfigError && e.message.startsWith(`${file}:3:3: agc.exclude: `),
    );
    // Clipping off at some points only: those points are one run, reported as such.
    const partial = parseSweep(
      { grid: { "agc.lambda": [0.01, null], "agc.exclude": [[], ["classifier_weight", "stem_conv"]] } },
      "t",
    );
    const e = expandSweepPlan(partial);
    assert.equal(e.runs.length, 3);
    assert.deepEqual(
      e.collapsed.map((c) => [c.into, c.keys]),
      [[2, ["agc.exclude"]]],
    );
    const sweep = loadSweepFile(
      writeFile(
        tempDir(),
        "ex2.yaml",
        "grid:\n  agc.lambda: [0.01, null]\n  agc.exclude: [[], [classifier_weight, stem_conv]]\n",
      ),
    );
    assert.equal(sweep.warnings.length, 1);
    assert.match(
      sweep.warnings[0] as string,
      /^1 point .* is run [0-9a-f]{10} .*agc\.exclude does not change the run because clipping is off/,
    );
    // With clipping on, the same grid is three different runs.
    const on = parseSweep({ grid: { "agc.exclude": [[], ["classifier_weight"], ["stem_conv"]] } }, "t");
    assert.equal(expandSweep(on).length, 3);
  });

  it("keys another key makes inert do not enter the hash; they count once that key switches them on", () => {
    const same: [unknown, unknown][] = [
      [{ agc: { lambda: null, eps: 0.1 } }, { agc: { lambda: null } }],
      [{ agc: { granularity: "none", exclude: [] } }, { agc: { lambda: null, exclude: ["stem_conv"] } }],
      [{ agc: { granularity: "global", lambda: 1, eps: 0.5 } }, { agc: { granularity: "global", lambda: 1 } }],
      [{ optim: { sam_fraction: 0.5 } }, {}],
      [{ optim: { momentum: 0, nesterov: false } }, { optim: { momentum: 0 } }],
      [{ train: { steps: 10, epochs: 3 } }, { train: { steps: 10 } }],
      [{ data: { name: "synthetic", path: "/x" } }, { data: { name: "synthetic" } }],
      [{ data: { image_size: 32 } }, {}],
    ];
    for (const [a, b] of same) assert.equal(hashOf(a), hashOf(b), JSON.stringify([a, b]));
    const differ: [unknown, unknown][] = [
      [{ agc: { eps: 0.1 } }, {}],
      [{ agc: { exclude: [] } }, {}],
      [{ agc: { granularity: "global", lambda: 1, exclude: [] } }, { agc: { granularity: "global", lambda: 1 } }],
      [{ optim: { sam_rho: 0.05, sam_fraction: 0.5 } }, { optim: { sam_rho: 0.05 } }],
      [{ optim: { nesterov: false } }, {}],
      [{ train: { epochs: 3 } }, {}],
      [{ data: { name: "synthetic", image_size: 8 } }, { data: { name: "synthetic" } }],
    ];
    for (const [a, b] of differ) assert.notEqual(hashOf(a), hashOf(b), JSON.stringify([a, b]));
    assert.deepEqual(inertKeys(resolveConfig({ agc: { lambda: null } })).slice(0, 2), ["agc.eps", "agc.exclude"]);
  });

  it("the sweep explains every key the identity leaves out, from the same rule rows", () => {
    const configs = [
      {},
      { agc: { lambda: null } },
      { agc: { granularity: "global" } },
      { optim: { sam_rho: null, momentum: 0 }, train: { steps: 10 } },
      { data: { name: "synthetic" } },
      { data: { name: "cifar10", path: "/data" } },
      { data: { name: "imagefolder", path: "/data" } },
    ].map((c) => resolveConfig(c));
    for (const cfg of configs) {
      for (const key of inertKeys(cfg)) {
        const why = noChangeReason(cfg, key);
        assert.ok(why && why.causes.length > 0, `${key} under ${JSON.stringify(cfg.agc)} ${cfg.data.name}`);
      }
      for (const key of EXECUTION_KEYS) assert.ok(noChangeReason(cfg, key), key);
      // A key the identity keeps is not explained away (the dataset reads it, or no rule switches it off).
      for (const key of ["data.path", "data.image_size", "optim.sam_fraction", "optim.nesterov", "train.epochs"]) {
        if (!inertKeys(cfg).includes(key)) assert.equal(noChangeReason(cfg, key), null, key);
      }
    }
  });

  it("train.micro_batch (a number or auto) is an execution detail, not part of the identity", () => {
    const base = { model: { name: "nfnet-micro" }, train: { batch_size: 64 } };
    const hashes = [16, 64, "auto"].map((m) => hashOf({ ...base, train: { batch_size: 64, micro_batch: m } }));
    assert.equal(new Set(hashes).size, 1);
    const spec = parseSweep({ ...base, grid: { "train.micro_batch": [16, 64, "auto"] } }, "t");
    assert.equal(expandSweep(spec).length, 1);
  });

  it("BatchNorm models: a micro-batch below the batch is ghost batch norm and has its own identity", () => {
    const bn = (micro: number | "auto", batch = 1024) =>
      hashOf({ model: { name: "bn-resnet-micro" }, train: { batch_size: batch, micro_batch: micro } });
    // Full-batch statistics: auto (BN models run the whole batch) and micro ≥ batch are one training.
    assert.equal(bn("auto"), bn(1024));
    assert.equal(bn("auto"), bn(2048));
    // Ghost BN: statistics per 64 or per 128 examples are two other trainings.
    assert.equal(new Set([bn("auto"), bn(64), bn(128)]).size, 3);
    assert.deepEqual(
      configIdentity(
        resolveConfig({ model: { name: "bn-resnet-micro" }, train: { batch_size: 1024, micro_batch: 64 } }),
      )["train.micro_batch"],
      64,
    );
    // An NF model at the same settings: the micro-batch is only an execution detail.
    const nf = (micro: number | "auto") => hashOf({ train: { batch_size: 1024, micro_batch: micro } });
    assert.equal(new Set([nf("auto"), nf(64), nf(128)]).size, 1);
    // A sweep over BN micro-batches is three runs.
    const spec = parseSweep(
      {
        model: { name: "bn-resnet-micro" },
        train: { batch_size: 256 },
        grid: { "train.micro_batch": [32, 64, "auto"] },
      },
      "t",
    );
    assert.equal(expandSweep(spec).length, 3);
  });

  it("train.epochs under train.steps: three identical trainings are one run, and such an axis is refused", () => {
    const same = ([1, 2, 3] as const).map((epochs) => hashOf({ train: { steps: 5, epochs } }));
    assert.equal(new Set(same).size, 1);
    const spec = parseSweep({ train: { steps: 5 }, grid: { "train.epochs": [1, 2, 3] } }, "t");
    assert.throws(
      () => expandSweep(spec),
      (e: unknown) =>
        e instanceof ConfigError && /^train\.epochs: .*changes no run.*because train\.steps is set/.test(e.message),
    );
  });

  it("the defaults' identity is the training revision alone; a config stored without one hashes as {}", () => {
    // Issue 25: the defaults warm up (optim.warmup_epochs 0.2), whose rates revision 4 changed: revision 4, not 2.
    assert.deepEqual(configIdentity(resolveConfig({})), { revision: 4 });
    const { revision: _, ...stored } = resolveConfig({}); // as nfx 0.1 stored it: no revision key
    assert.equal(configHash(stored as RunConfig), createHash("sha256").update("{}").digest("hex").slice(0, 16));
    assert.deepEqual(configIdentity(resolveConfig({ optim: { lr: 0.4 }, agc: { lambda: null } })), {
      "agc.granularity": "none",
      "agc.lambda": null,
      "optim.lr": 0.4,
      revision: 4,
    });
  });

  it("a revision changes only the configs it changed: NF-ResNets stay at 2 (same hashes), NFNets move to 3", () => {
    // Revision 3 gave the avg-pool shortcut its exact 'SAME' gradient: only models with that shortcut train anew.
    // Revision 4 (issue 25, the official recipe) changed configs with a warmup, an EMA, a length from epochs that
    // ⌊N·E/B⌋ changes, or a parameter AGC's squeeze rule reaches; these have none of them.
    const still = { optim: { warmup_epochs: 0 }, train: { steps: 10 } };
    assert.equal(TRAINING_REVISION, 4);
    assert.equal(resolveConfig(still).revision, 2);
    assert.equal(resolveConfig({ ...still, model: { name: "bn-resnet-micro" } }).revision, 2);
    const nfnetStill = { ...still, model: { name: "nfnet-micro" }, optim: { warmup_epochs: 0, ema_decay: null } };
    assert.equal(resolveConfig(nfnetStill).revision, 3);
    // An NF-ResNet's hash is the one nfx 0.2 stored (revision 2), so its stored runs are still its results.
    const stored = { ...resolveConfig({ ...still, agc: { lambda: 0.04 } }), revision: 2 };
    assert.equal(configHash(resolveConfig({ ...still, agc: { lambda: 0.04 } })), configHash(stored));
    // An NFNet stored under revision 2 is another run than the same config trained now.
    const nfnet = resolveConfig(nfnetStill);
    assert.notEqual(configHash(nfnet), configHash({ ...nfnet, revision: 2 }));
    // Asking for a revision this nfx does not train for that config is refused, naming the key.
    assert.throws(
      () => resolveConfig({ ...still, revision: 3 }),
      /revision: this nfx trains nf-resnet-micro under training revision 2/,
    );
    assert.throws(() => resolveConfig({ ...nfnetStill, revision: 2 }), /revision 3, not 2/);
    assert.equal(resolveConfig({ ...nfnetStill, revision: 3 }).revision, 3);
  });

  it("revision 4 takes exactly the configs the official recipe trains differently", () => {
    const base = { optim: { warmup_epochs: 0 }, train: { steps: 10 } };
    const rev = (c: Record<string, unknown>) => resolveConfig({ ...base, ...c }).revision;
    assert.equal(rev({ optim: { warmup_epochs: 0.2 } }), 4, "a warmup: its rates moved one step");
    assert.equal(rev({ optim: { warmup_epochs: 0, ema_decay: 0.999 } }), 4, "an EMA: the tf1_ema ramp");
    assert.equal(rev({ model: { name: "nfnet-micro" } }), 4, "an NFNet: EMA on by default");
    // Fashion-MNIST at batch 256: 1 epoch is 234 steps either way; 10 epochs were 2340, now ⌊600000/256⌋ = 2343.
    assert.equal(rev({ train: { epochs: 1, steps: null } }), 2);
    assert.equal(rev({ train: { epochs: 10, steps: null } }), 4);
    // SE weights of shape [1, C] (hidden width 1): one unit under the official squeeze rule, C units before.
    assert.equal(rev({ model: { name: "nf-resnet-micro", se: true, seRatio: 0.01 } }), 4);
    assert.equal(rev({ model: { name: "nf-resnet-micro", se: true } }), 2);
    // The same training spelled by steps under revision 2: 2340 steps is what 10 epochs gave, so one run.
    const byEpochs = { ...resolveConfig({ optim: { warmup_epochs: 0 }, train: { epochs: 10 } }), revision: 2 };
    const bySteps = resolveConfig({ optim: { warmup_epochs: 0 }, train: { epochs: 10, steps: 2340 } });
    assert.equal(bySteps.revision, 2);
    assert.equal(configHash(bySteps), configHash(byEpochs));
  });

  it("defaults that depend on the model: weight decay 1e-4 for BatchNorm models, EMA 0.99999 for NFNets", () => {
    const bn = resolveConfig({ model: { name: "bn-resnet-micro" } });
    assert.equal(bn.optim.weight_decay, 1e-4);
    assert.equal(bn.optim.ema_decay, null);
    const nf = resolveConfig({});
    assert.equal(nf.optim.weight_decay, 2e-5);
    assert.equal(nf.optim.ema_decay, null);
    const nfnet = resolveConfig({ model: { name: "nfnet-micro" } });
    assert.equal(nfnet.optim.weight_decay, 2e-5);
    assert.equal(nfnet.optim.ema_decay, 0.99999);
    // What is written wins; auto written is the default.
    assert.equal(
      resolveConfig({ model: { name: "bn-resnet-micro" }, optim: { weight_decay: 2e-5 } }).optim.weight_decay,
      2e-5,
    );
    assert.equal(resolveConfig({ model: { name: "nfnet-micro" }, optim: { ema_decay: null } }).optim.ema_decay, null);
    assert.equal(resolveConfig({ optim: { weight_decay: "auto" } }).optim.weight_decay, 2e-5);
    assert.throws(() => resolveConfig({ optim: { ema_decay: 1.5 } }), /optim\.ema_decay/);
  });

  it("runs of another training revision are other runs: revision 1 (stored before the key) ≠ the current one", () => {
    const current = resolveConfig({ agc: { lambda: 0.04 } });
    const { revision: _, ...old } = current;
    assert.notEqual(configHash(old as RunConfig), configHash(current));
    assert.equal(configHash({ ...current, revision: 1 }), configHash(old as RunConfig));
    assert.throws(() => resolveConfig({ revision: 1 }), /revision/);
  });

  it("every config key has a frozen identity baseline", () => {
    for (const key of Object.keys(CONFIG_KEYS)) assert.ok(key in IDENTITY_BASELINE, `${key} has no baseline`);
  });

  it("adding a config key with a default keeps every hash; setting it away from the default changes it", () => {
    const inputs = [{}, { agc: { lambda: null } }, { optim: { lr: 0.4 }, train: { batch_size: 64 } }, { seed: 3 }];
    const before = inputs.map(hashOf);
    const keys = CONFIG_KEYS as Record<string, (typeof CONFIG_KEYS)[string]>;
    keys["train.new_knob"] = { default: 7, rule: { kind: "number" }, doc: "a key added in a later version" };
    try {
      assert.equal((resolveConfig({}).train as Record<string, unknown>).new_knob, 7);
      assert.deepEqual(inputs.map(hashOf), before);
      assert.notEqual(hashOf({ train: { new_knob: 8 } }), before[0]);
      // A stored config from before the key existed (it lacks the key) keeps its hash too.
      const stored = resolveConfig({ seed: 3 }) as RunConfig & { train: Record<string, unknown> };
      delete stored.train.new_knob;
      assert.equal(configHash(stored), before[3]);
    } finally {
      delete keys["train.new_knob"];
    }
  });

  it("changing a default keeps the hashes of runs under the old default and never aliases the new one", () => {
    const spec = CONFIG_KEYS["train.label_smoothing"] as (typeof CONFIG_KEYS)[string];
    const oldDefault = spec.default;
    const before = hashOf({});
    spec.default = 0;
    try {
      assert.equal(hashOf({ train: { label_smoothing: 0.1 } }), before, "a run under the old default keeps its hash");
      assert.notEqual(hashOf({}), before, "the new default is a different run");
    } finally {
      spec.default = oldDefault;
    }
  });

  it("a figure's no-clipping baseline is found whatever its inert keys say", () => {
    // The preset asks for a no-clipping run with the default exclusions; the store holds one with none.
    const expected = expandSweep(parseSweep({ agc: { lambda: null }, train: { batch_size: 64 } }, "preset"));
    const store = RunStore.open(":memory:");
    try {
      const stored = resolveConfig({ agc: { granularity: "none", exclude: [], eps: 0.5 }, train: { batch_size: 64 } });
      const { id } = store.ensureRun(stored, configHash(stored), null);
      store.finishRun(id, "completed", { test_top1: 0.5, final_loss: 1, steps: 1, images_per_s: null }, null);
      assert.deepEqual(
        finishedRunsOf(store, expected).map((r) => r.id),
        [id],
      );
    } finally {
      store.close();
    }
  });

  it("runs that differ only in keys that change nothing are not told apart as series", () => {
    const runs = [
      { agc: { lambda: null }, train: { micro_batch: 16 } },
      { agc: { lambda: null, exclude: [] }, train: { micro_batch: 64 } },
      { agc: { lambda: null, eps: 0.5 }, seed: 1 },
    ].map((c, id) => ({ id, config: resolveConfig(c) }) as unknown as StoredRun);
    assert.deepEqual(varyingConfigKeys(runs), []);
    const more = [...runs, { id: 9, config: resolveConfig({ train: { batch_size: 64 } }) } as unknown as StoredRun];
    assert.deepEqual(varyingConfigKeys(more), ["train.batch_size", "agc.granularity", "agc.lambda"]);
  });
});

describe("what a sweep may describe", () => {
  it("a config that cannot make one step is refused, naming the keys", () => {
    assert.throws(
      () => resolveConfig({ data: { name: "synthetic", train_size: 100 }, train: { batch_size: 256 } }),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.deepEqual([...e.keys].sort(), ["data.train_size", "train.batch_size"]);
        assert.match(e.message, /train\.batch_size 256 is larger than the training split .*100 examples/);
        return true;
      },
    );
    // The whole dataset is smaller than the batch.
    assert.throws(() => resolveConfig({ train: { batch_size: 80_000 } }), /all of fashion-mnist: 60000 examples/);
    assert.throws(() => resolveConfig({ data: { train_size: 70_000 } }), /data\.train_size: 70000 exceeds the 60000/);
    assert.ok(resolveConfig({ data: { name: "synthetic", train_size: 256 }, train: { batch_size: 256 } }));
    // Synthetic data has no fixed size: any train_size can be generated; its default (5000) still bounds the batch.
    assert.ok(resolveConfig({ data: { name: "synthetic", train_size: 20_000 }, train: { batch_size: 8192 } }));
    assert.throws(
      () => resolveConfig({ data: { name: "synthetic" }, train: { batch_size: 8192 } }),
      /all of synthetic/,
    );
    // nfx run --set data.train_size=100 --set train.batch_size=256: blamed on --set.
    assert.throws(
      () => loadSweepSource(null, ["data.train_size=100", "train.batch_size=256"]),
      /^ConfigError: --set: .*no optimizer step can be made/,
    );
    // In a sweep file: the line of the axis value that cannot run.
    const file = writeFile(
      tempDir(),
      "b.yaml",
      "model: { name: nf-resnet-micro }\ndata: { name: synthetic, train_size: 100 }\ngrid:\n  train.batch_size: [64, 256]\n",
    );
    assert.throws(() => loadSweepFile(file), /b\.yaml:4:3: train\.batch_size: .*no optimizer step/);
  });

  it("an image folder smaller than one batch is refused once it is read, before anything runs", async () => {
    const root = tempDir();
    for (const cls of ["a", "b", "c"]) {
      for (let i = 0; i < 4; i++) {
        const img = new PNG({ width: 6, height: 6 });
        img.data.fill(cls === "a" ? 40 : cls === "b" ? 120 : 200);
        writeFile(root, `${cls}/${i}.png`, "");
        fs.writeFileSync(path.join(root, cls, `${i}.png`), PNG.sync.write(img));
      }
    }
    const runs = (batch: number) =>
      expandSweep(
        parseSweep({ data: { name: "imagefolder", path: root, image_size: 4 }, train: { batch_size: batch } }, "f"),
      );
    await validateRunsDeep(runs(8));
    await assert.rejects(validateRunsDeep(runs(16)), /train\.batch_size 16 is larger than the training split/);
  });

  it("--set of a swept key is refused, naming the axis; points show the values that run", () => {
    const file = writeFile(
      tempDir(),
      "q.yaml",
      "model: { name: nf-resnet-micro }\ngrid:\n  agc.lambda: [0.01, 0.16, null]\n  train.batch_size: [64, 256]\nseeds: 2\n",
    );
    assert.throws(
      () => loadSweepFile(file, ["agc.lambda=0.02"]),
      /--set: agc\.lambda: is swept by the sweep's grid axis \(.*q\.yaml:3:3\)/,
    );
    assert.throws(() => loadSweepFile(file, ["seed=4"]), /seed: is swept by the sweep's seeds axis/);
    assert.equal(loadSweepFile(file, ["optim.lr=0.2"]).runs.length, 12);
    // (0.01, none) runs as "no clipping": its point says so, not λ = 0.01.
    const runs = expandSweep(
      parseSweep({ grid: { "agc.granularity": ["unit", "none"], "agc.lambda": [0.01, 0.02] } }, "t"),
    );
    assert.deepEqual(
      runs.map((r) => r.point),
      [
        { "agc.granularity": "unit", "agc.lambda": 0.01 },
        { "agc.granularity": "unit", "agc.lambda": 0.02 },
        { "agc.granularity": "none", "agc.lambda": null },
      ],
    );
  });

  it("degenerate sweeps are refused: an empty file, exclude/only that leave nothing", () => {
    const dir = tempDir();
    for (const text of ["", "# nothing\n", "name: x\ndescription: y\n"]) {
      assert.throws(() => loadSweepFile(writeFile(dir, "e.yaml", text)), /e\.yaml:1:1: the file sets no config key/);
    }
    const all = writeFile(
      dir,
      "all.yaml",
      'model: { name: nf-resnet-micro }\ngrid:\n  train.batch_size: [64, 256]\nexclude:\n  - "train.batch_size > 0"\n',
    );
    assert.throws(() => loadSweepFile(all), /all\.yaml:4:1: exclude: leaves none of the sweep's 2 points/);
    const only = parseSweep({ grid: { "train.batch_size": [64] }, only: [{ "train.batch_size": 128 }] }, "t");
    assert.throws(() => expandSweep(only), /only: leaves none of the sweep's 1 points/);
  });

  it("the dry run refuses what the run refuses (data.name=mnist)", () => {
    const file = writeFile(tempDir(), "q.yaml", "model: { name: nf-resnet-micro }\ngrid:\n  train.batch_size: [64]\n");
    assert.throws(() => planSweep(file, ["data.name=mnist"], null), /--set: data\.name: must be one of fashion-mnist/);
    assert.throws(() => loadSweepSource(file, ["data.name=mnist"]), /--set: data\.name: must be one of/);
    assert.throws(
      () => planSweep(file, ["data.name=cifar10"], null),
      /--set: data\.name: dataset cifar10 needs data\.path/,
    );
    assert.throws(() => planSweep(file, ["data.name=cifar10", "data.path=/no/such/dir"], null), /no such directory/);
  });

  it("a sweep's name is one plain file name, checked before anything runs", () => {
    const dir = tempDir();
    for (const [name, why] of [
      ["ablation/lr", /one plain file name/],
      ["../../escaped", /one plain file name/],
      ["x".repeat(5000), /5000 characters long; at most 100/],
      [".hidden", /one plain file name/],
      [42, /must be a string/],
    ] as const) {
      const file = writeFile(dir, "n.yaml", `name: ${JSON.stringify(name)}\nmodel: { name: nf-resnet-micro }\n`);
      assert.throws(
        () => loadSweepFile(file),
        (e: unknown) => {
          assert.ok(e instanceof ConfigError);
          assert.match(e.message, /n\.yaml:1:1: name: /);
          assert.match(e.message, why);
          return true;
        },
      );
    }
    assert.doesNotThrow(() => checkSweepName("fig2a.quick"));
    // A file name that is no valid sweep name gives a safe fallback name.
    assert.match(safeSweepName("my sweep (1)"), /^my-sweep-1-[0-9a-f]{8}$/);
    assert.match(safeSweepName("..."), /^sweep-[0-9a-f]{8}$/);
    assert.match(safeSweepName("café"), /^cafe-[0-9a-f]{8}$/);
    assert.equal(safeSweepName("sweep"), "sweep");
    const odd = writeFile(dir, "my sweep.yaml", "model: { name: nf-resnet-micro }\n");
    assert.match(loadSweepFile(odd).spec.name, /^my-sweep-[0-9a-f]{8}$/);
    // Fallback names keep files apart: λ-sweep.yaml, .yaml, sweep.yaml, "my sweep (1)" and "my sweep [1]" differ.
    const names = [
      "λ-sweep",
      "",
      "sweep",
      "μ-sweep",
      "my sweep (1)",
      "my sweep [1]",
      "x".repeat(120),
      `${"x".repeat(120)}y`,
    ];
    const safe = names.map(safeSweepName);
    assert.equal(new Set(safe).size, names.length, safe.join(" "));
    for (const n of safe) assert.doesNotThrow(() => checkSweepName(n), n);
    for (const f of ["λ-sweep.yaml", ".yaml"]) writeFile(dir, f, "model: { name: nf-resnet-micro }\n");
    assert.notEqual(
      loadSweepFile(path.join(dir, "λ-sweep.yaml")).spec.name,
      loadSweepFile(path.join(dir, ".yaml")).spec.name,
    );
    // The same kind: every figure file name (nfx plot --name, figure names) stays one file in its directory.
    for (const bad of ["../escaped", "a/b", "..", "", "x".repeat(201)]) assert.throws(() => checkFigureName(bad));
    assert.doesNotThrow(() => checkFigureName("curves-fig2a"));
  });
});
