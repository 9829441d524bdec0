// Config values as a user writes them (--set, sweep files) and what they make of a run's identity: `none` reads as
// in YAML, list keys take nfx's written form, keys the dataset sets are refused, one training has one hash, and an
// axis that another key makes inert is refused rather than silently collapsed.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import Database from "better-sqlite3";
import { ConfigError } from "../../src/core/config/configError.js";
import { setDotted } from "../../src/core/config/dotted.js";
import { configHash } from "../../src/core/config/hash.js";
import { resolveConfig } from "../../src/core/config/resolve.js";
import { CONFIG_KEYS } from "../../src/core/config/schema.js";
import { parseSetOverride } from "../../src/core/config/setOverride.js";
import { PARAM_ROLES } from "../../src/core/models/types.js";
import { RunStore } from "../../src/core/store/runStore.js";
import { MIGRATIONS } from "../../src/core/store/schema.js";
import { expandSweepPlan, loadSweepFile } from "../../src/core/sweep/expand.js";
import { parseSweep } from "../../src/core/sweep/sweepSpec.js";
import { writeValue } from "../../src/core/text/writtenForm.js";
import { tempDir, writeFile } from "../helpers.js";

const withSet = (...sets: string[]) => {
  const cfg: Record<string, unknown> = {};
  for (const [k, v] of sets.map(parseSetOverride)) setDotted(cfg, k, v);
  return resolveConfig(cfg);
};
const hashOf = (input: unknown) => configHash(resolveConfig(input));

const QUICKSTART = `model: { name: nf-resnet-micro }
data: { name: fashion-mnist, train_size: 8000, test_size: 2000 }
agc: { granularity: unit }
grid:
  agc.lambda: [0.01, 0.16, null]
  train.batch_size: [64, 256]
`;

describe("--set values read as in YAML", () => {
  it("the text none is an enum's value none, a nullable number's null and a list's empty list", () => {
    assert.equal(withSet("agc.granularity=none").agc.granularity, "none");
    assert.equal(withSet("agc.lambda=none").agc.lambda, null);
    assert.equal(withSet("agc.lambda=null").agc.lambda, null);
    assert.deepEqual(withSet("agc.exclude=none").agc.exclude, []);
    // A model override's value none (norm: none) is the text too, as in a file.
    assert.deepEqual(parseSetOverride("model.norm=none"), ["model.norm", "none"]);
    // A sweep without a λ axis runs under --set agc.granularity=none.
    const file = writeFile(tempDir(), "s.yaml", "model: { name: nf-resnet-micro }\ngrid:\n  seed: [0, 1]\n");
    const sweep = loadSweepFile(file, ["agc.granularity=none"]);
    assert.ok(sweep.runs.every((r) => r.config.agc.granularity === "none" && r.config.agc.lambda === null));
  });

  it("a list key takes the form nfx writes it in (tables, dry run, --where): items joined by ','", () => {
    assert.deepEqual(withSet("agc.exclude=classifier_weight,stem_conv").agc.exclude, [
      "classifier_weight",
      "stem_conv",
    ]);
    assert.deepEqual(resolveConfig({ agc: { exclude: "stem_conv, classifier_weight" } }).agc.exclude, [
      "classifier_weight",
      "stem_conv",
    ]);
    // Every written list reads back as the list it was written from.
    for (const list of [[], ["classifier_weight"], [...PARAM_ROLES].sort()]) {
      assert.deepEqual(withSet(`agc.exclude=${writeValue(list)}`).agc.exclude, list);
    }
    assert.throws(() => withSet("agc.exclude=classifier_weight,stem"), /unknown value 'stem'/);
  });
});

describe("a --set or base key that makes a swept axis inert", () => {
  it("is refused naming the axis (quickstart --set agc.granularity=none)", () => {
    const file = writeFile(tempDir(), "quickstart.yaml", QUICKSTART);
    assert.throws(
      () => loadSweepFile(file, ["agc.granularity=none"]),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.message.startsWith("--set: agc.granularity: makes the sweep's grid axis agc.lambda") &&
        e.message.includes(`${file}:5:3`) &&
        e.message.includes("agc.lambda does not change the run because agc.granularity is none"),
    );
    // The same in the base config, or as a one-valued axis: refused at the axis, naming where the cause is.
    const base = writeFile(tempDir(), "b.yaml", QUICKSTART.replace("granularity: unit", "granularity: none"));
    assert.throws(
      () => loadSweepFile(base),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.message.startsWith(`${base}:5:3: agc.lambda: the sweep's grid axis changes no run`) &&
        e.message.includes(`because agc.granularity is none (${base}:3:`),
    );
    const axis = writeFile(tempDir(), "a.yaml", "grid:\n  agc.granularity: [none]\n  agc.lambda: [0.01, 0.04, null]\n");
    assert.throws(
      () => loadSweepFile(axis),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.message.startsWith(`${axis}:3:3: agc.lambda: `) &&
        e.message.includes("because agc.granularity is none"),
    );
    // Other inert kinds alike: SAM's fraction without SAM, ε under global clipping.
    const sam = parseSweep({ grid: { "optim.sam_fraction": [0.2, 0.5] } }, "t");
    assert.throws(() => expandSweepPlan(sam), /optim\.sam_fraction: .*because optim\.sam_rho is null/);
    const eps = parseSweep({ grid: { "agc.eps": [1e-3, 1e-2], "agc.lambda": [0.5] } }, "t");
    assert.throws(
      () => expandSweepPlan(eps, ["agc.granularity=global"]),
      (e: unknown) => e instanceof ConfigError && /^--set: agc\.granularity: .*agc\.eps/.test(e.message),
    );
  });

  it("points that are one run only in part of the grid are reported with the real reason", () => {
    const spec = parseSweep({ grid: { "agc.granularity": ["none", "unit"], "agc.lambda": [0.01, 0.16] } }, "t");
    const e = expandSweepPlan(spec);
    assert.equal(e.runs.length, 3);
    const sweep = loadSweepFile(
      writeFile(tempDir(), "p.yaml", "grid:\n  agc.granularity: [none, unit]\n  agc.lambda: [0.01, 0.16]\n"),
    );
    assert.equal(sweep.warnings.length, 1);
    const w = sweep.warnings[0] as string;
    assert.match(
      w,
      /\(agc\.granularity=none agc\.lambda=0\.16\) is run [0-9a-f]{10} /,
      "the point as written, its run by hash",
    );
    assert.match(w, /agc\.lambda does not change the run because agc\.granularity is none/);
    assert.doesNotMatch(w, /written twice/);
  });
});

describe("model keys the dataset sets", () => {
  it("are refused in any spelling, in a config and with --set; other overrides still act", () => {
    for (const key of ["numClasses", "num_classes", "inChannels", "in-channels", "trainPx", "testPx"]) {
      assert.throws(
        () => resolveConfig({ model: { name: "nf-resnet-micro", [key]: 3 } }),
        (e: unknown) =>
          e instanceof ConfigError && e.message.startsWith(`model.${key}: is set by the dataset (data.name)`),
        key,
      );
    }
    const file = writeFile(tempDir(), "m.yaml", "model: { name: nf-resnet-micro }\ngrid:\n  seed: [0, 1]\n");
    assert.throws(
      () => loadSweepFile(file, ["model.numClasses=3"]),
      (e: unknown) =>
        e instanceof ConfigError && e.message.startsWith("--set: model.numClasses: is set by the dataset"),
    );
    assert.notEqual(hashOf({ model: { name: "nf-resnet-micro", dropout: 0.1 } }), hashOf({}));
  });
});

describe("one training, one hash", () => {
  it("a size equal to the dataset's whole split is that split (null)", () => {
    assert.equal(hashOf({ data: { test_size: 10_000 } }), hashOf({}));
    assert.equal(hashOf({ data: { train_size: 60_000 } }), hashOf({}));
    assert.equal(
      hashOf({ data: { name: "cifar10", path: "/c", train_size: 50_000, test_size: 10_000 } }),
      hashOf({ data: { name: "cifar10", path: "/c" } }),
    );
    assert.equal(hashOf({ data: { name: "synthetic", train_size: 5000 } }), hashOf({ data: { name: "synthetic" } }));
    assert.notEqual(hashOf({ data: { test_size: 9_999 } }), hashOf({}));
    const e = expandSweepPlan(parseSweep({ grid: { "data.test_size": [null, 10_000] } }, "t"));
    assert.equal(e.runs.length, 1);
    assert.deepEqual(e.collapsed[0]?.keys, ["data.test_size"]);
  });

  it("train.steps equal to what train.epochs gives is the epochs' length", () => {
    // 512 examples / batch 256 = 2 steps per epoch.
    const base = { data: { train_size: 512 }, train: { batch_size: 256 } };
    assert.equal(hashOf({ ...base, train: { batch_size: 256, steps: 2 } }), hashOf(base));
    assert.equal(
      hashOf({ ...base, train: { batch_size: 256, steps: 4, epochs: 2 } }),
      hashOf({ ...base, train: { batch_size: 256, epochs: 2 } }),
    );
    assert.notEqual(hashOf({ ...base, train: { batch_size: 256, steps: 3 } }), hashOf(base));
    const sweep = loadSweepFile(
      writeFile(tempDir(), "st.yaml", "data: { train_size: 512 }\ngrid:\n  train.steps: [null, 2]\n"),
    );
    assert.equal(sweep.runs.length, 1);
    assert.match(
      sweep.warnings[0] as string,
      /train\.steps does not change the run because train\.epochs 1 gives 2 steps/,
    );
  });

  it("train.eval_every stays in the identity (it changes the record), as docs/config.md and nfx config say", () => {
    assert.notEqual(hashOf({ train: { eval_every: 50 } }), hashOf({}));
    assert.match(CONFIG_KEYS["train.eval_every"]?.doc ?? "", /identity/);
    const readme = fs.readFileSync(path.join(import.meta.dirname, "../../docs/config.md"), "utf8");
    assert.match(readme, /`train\.eval_every`[^\n]*identity/);
  });

  it("store v5 re-hashes runs stored under the older identity; repeats are kept and marked", () => {
    const file = path.join(tempDir(), "v4.db");
    const v4 = new Database(file);
    for (const m of MIGRATIONS.slice(0, 4)) typeof m === "string" ? v4.exec(m) : m(v4);
    v4.pragma("user_version = 4");
    const insert = v4.prepare(
      `INSERT INTO runs (config_hash, config_json, status, model, dataset, agc_granularity, agc_lambda, batch_size, seed,
         created_at, finished_at) VALUES (?, ?, 'completed', 'm', 'd', 'unit', 0.01, 256, 0, 'then', ?)`,
    );
    const whole = resolveConfig({ data: { test_size: 10_000 } });
    const plain = resolveConfig({});
    const a = Number(insert.run("aaaaaaaaaaaaaaaa", JSON.stringify(whole), "2026-01-01").lastInsertRowid);
    const b = Number(insert.run("bbbbbbbbbbbbbbbb", JSON.stringify(plain), "2026-01-02").lastInsertRowid);
    v4.close();
    const store = RunStore.open(file);
    try {
      assert.equal(store.getRun(configHash(plain))?.id, a);
      assert.equal(store.getRun(b)?.duplicate_of, a);
    } finally {
      store.close();
    }
  });
});

describe("docs/config.md", () => {
  it("lists agc.exclude's roles as the schema has them", () => {
    const readme = fs.readFileSync(path.join(import.meta.dirname, "../../docs/config.md"), "utf8");
    const row = readme.split("\n").find((l) => l.startsWith("| `agc.exclude` |")) ?? "";
    const listed = [...(row.split("roles:")[1] ?? "").matchAll(/`([a-z_]+)`/g)].map((m) => m[1]);
    assert.deepEqual([...listed].sort(), [...PARAM_ROLES].sort());
  });
});
