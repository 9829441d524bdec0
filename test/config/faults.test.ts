// Config faults as a new user meets them (issue 27, item 17): every fault of a file in one report, each located;
// a file that sets nothing refused; did-you-mean over a sweep file's sections, other tools' names and edit
// distance; what null means where a key takes it.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError } from "../../src/core/config/configError.js";
import { resolveConfig } from "../../src/core/config/resolve.js";
import { parseSetOverride } from "../../src/core/config/setOverride.js";
import { suggestKey } from "../../src/core/config/suggestKey.js";
import { loadSweepFile } from "../../src/core/sweep/expand.js";
import { nfx } from "../e2e/sweepHelpers.js";
import { tempDir, writeFile } from "../helpers.js";

function refusal(name: string, text: string, sets: string[] = []): string {
  const file = writeFile(tempDir(), name, text);
  try {
    loadSweepFile(file, sets);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.message;
  }
  assert.fail(`${name} was accepted`);
}

describe("config faults", () => {
  it("three typos: one report, three located lines", () => {
    const msg = refusal("typo.yaml", "trian: { steps: 3 }\noptim: { learning_rate: 0.1 }\nagc: { lamda: 0.1 }\n");
    const lines = msg.split("\n");
    assert.equal(lines.length, 3, msg);
    assert.match(lines[0] as string, /typo\.yaml:1:\d+: trian\.steps: unknown key \(did you mean 'train\.steps'\?\)/);
    assert.match(
      lines[1] as string,
      /typo\.yaml:2:\d+: optim\.learning_rate: unknown key \(did you mean 'optim\.lr'\?\)/,
    );
    assert.match(lines[2] as string, /typo\.yaml:3:\d+: agc\.lamda: unknown key \(did you mean 'agc\.lambda'\?\)/);
  });

  it("through the CLI: every fault on its own line after nfx: error:, exit 2, the same in --json", () => {
    const dir = tempDir();
    writeFile(dir, "typo.yaml", "trian: { steps: 3 }\noptim: { learning_rate: 0.1 }\nagc: { lamda: 0.1 }\n");
    const r = nfx(["sweep", "typo.yaml", "--dry-run", "--db", "x.db"], dir);
    assert.equal(r.status, 2, r.stderr);
    const lines = r.stderr.trimEnd().split("\n");
    assert.deepEqual(
      lines.map((l) => l.replace(/^nfx: error: /, "").replace(/:\d+: .*$/, "")),
      ["typo.yaml:1", "typo.yaml:2", "typo.yaml:3"],
    );
    const json = nfx(["sweep", "typo.yaml", "--dry-run", "--db", "x.db", "--json"], dir);
    assert.equal(json.status, 2);
    assert.equal((JSON.parse(json.stdout) as { error: { message: string } }).error.message.split("\n").length, 3);
  });

  it("own tries: bad values in the base and in two axes' points, bad sections, and several --set at once", () => {
    const vals = refusal(
      "vals.yaml",
      "model: { name: nf-resnet-micro }\ngrid:\n  agc.lambda: [-1, 0.1]\n  optim.lr: [0.1, -2]\nagc: { eps: 0 }\n",
    );
    assert.deepEqual(
      vals.split("\n").map((l) => l.replace(/^.*vals\.yaml:(\d+):\d+: ([\w.]+):.*$/, "$1 $2")),
      ["3 agc.lambda", "5 agc.eps", "4 optim.lr"],
    );
    const sections = refusal(
      "sections.yaml",
      "model: { name: nf-resnet-micro }\ngrid: [1]\nzip: { optim.lr: [] }\nseeds: -1\n",
    );
    assert.equal(sections.split("\n").length, 3, sections);
    const sets = refusal("ok.yaml", "model: { name: nf-resnet-micro }\n", ["optim.learning_rate=0.1", "trian.steps=3"]);
    assert.equal(sets.split("\n").length, 2, sets);
    resolveConfig({ model: { name: "nf-resnet-micro" } });
    assert.throws(
      () => resolveConfig({ seed: -1, optim: { lr: "fast" }, agc: { lamda: 1 } }),
      (e: unknown) => e instanceof ConfigError && e.faults.length === 3 && e.more.length === 2,
    );
  });

  it("a file that sets no key is refused, with an empty grid or seeds only", () => {
    assert.match(
      refusal("empty.yaml", "name: x\ngrid: {}\n"),
      /empty\.yaml:1:1: the file sets no config key and no axis;/,
    );
    assert.match(
      refusal("seeds.yaml", "seeds: 3\n"),
      /seeds\.yaml:1:1: the file sets no config key and no axis but seeds/,
    );
    assert.match(refusal("blank.yaml", "name: x\nzip: {}\nrandom: null\nexclude: []\n"), /sets no config key/);
  });

  it("did you mean: a sweep file's sections, other tools' names, edit distance", () => {
    assert.match(
      refusal("grdi.yaml", "model: { name: nf-resnet-micro }\ngrdi:\n  agc.lambda: [0.1]\n"),
      /grdi\.yaml:2:1: grdi: unknown key \(did you mean 'grid'\?\)/,
    );
    assert.match(
      refusal("seds.yaml", "model: { name: nf-resnet-micro }\nsedes: 3\n"),
      /sedes: unknown key \(did you mean 'seeds'\?\)/,
    );
    assert.throws(
      () => parseSetOverride("optim.learning_rate=0.1"),
      /optim\.learning_rate: unknown key in --set \(did you mean 'optim\.lr'\?\)/,
    );
    const cases: [string, string | undefined][] = [
      ["optim.learning_rate", "optim.lr"],
      ["learning_rate", "optim.lr"],
      ["train.lr", "optim.lr"],
      ["wd", "optim.weight_decay"],
      ["train.bs", "train.batch_size"],
      ["agc.clipping_threshold", "agc.lambda"],
      ["agc.lamda", "agc.lambda"],
      ["trian.steps", "train.steps"],
      ["train.max_steps", "train.steps"],
      ["optim.epsilon", "optim.eps"], // Adam's ε since optimizers are an axis (issue 26)
      ["agc.epsilon", "agc.eps"],
      ["wholly_unrelated_name", undefined],
    ];
    for (const [key, want] of cases) assert.equal(suggestKey(key), want, key);
    assert.equal(suggestKey("grdi.agc.lambda", ["grid", "zip"]), "grid");
  });

  it("a value a nullable key refuses says what null means", () => {
    assert.match(
      refusal("ok.yaml", "model: { name: nf-resnet-micro }\n", ["agc.lambda=0"]),
      /--set: agc\.lambda: must be > 0 \(got 0\); null means no clipping/,
    );
    assert.throws(
      () => resolveConfig({ optim: { sam_rho: -1 } }),
      /optim\.sam_rho: must be > 0 \(got -1\); null means off/,
    );
    assert.throws(
      () => resolveConfig({ train: { steps: 0 } }),
      /train\.steps: must be ≥ 1 \(got 0\); null means from train\.epochs/,
    );
    // A key that takes no null says nothing of it.
    assert.throws(
      () => resolveConfig({ agc: { eps: 0 } }),
      (e: unknown) => e instanceof Error && !/null/.test(e.message),
    );
  });
});
