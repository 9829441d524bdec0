// Seeds are 32-bit (issue 27 item 3): a seed ≥ 2³² used to be cut to its low 32 bits, so `seed=4294967296` trained
// seed 0's run bit for bit under another config hash (numpy#17079). Now it is refused — by the config rule of
// `seed` (one line naming the key, and the file:line in a sweep file) and by every function that derives a stream
// from a seed — while every seed below 2³² keeps its streams (the values below are those of the code before).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkSeed, deriveSeed, MAX_SEED, Rng, seedForName } from "../../src/core/base/random.js";
import { resolveConfig } from "../../src/core/config/resolve.js";
import { nfx } from "../e2e/sweepHelpers.js";
import { tempDir, writeFile } from "../helpers.js";

describe("32-bit seeds", () => {
  it("seeds below 2³² keep the streams they had (values of the code before the bound)", () => {
    assert.equal(deriveSeed(0), 2462723854);
    assert.equal(deriveSeed(MAX_SEED, 3, 7), 1806068951);
    assert.equal(deriveSeed(12345, 0, 0x6d6978, 99), 59017342);
    assert.equal(seedForName(0, "stem.w"), 4063421479);
    assert.equal(seedForName(MAX_SEED, "head.classifier.w"), 4038994013);
    const r = new Rng(2026, 1);
    assert.deepEqual([r.nextUint32(), r.nextUint32(), r.nextUint32()], [2217025765, 4132919109, 558164967]);
  });

  it("a seed ≥ 2³², negative or fractional is an error wherever a stream is derived from it", () => {
    for (const bad of [2 ** 32, 2 ** 32 + 5, 2 ** 53, -1, 0.5]) {
      assert.throws(() => checkSeed(bad), RangeError);
      assert.throws(() => deriveSeed(bad), new RegExp(`seed ${bad} is not an integer in \\[0, 4294967295\\]`));
      assert.throws(() => seedForName(bad, "stem.w"), RangeError);
      assert.throws(() => new Rng(bad, 1), RangeError);
    }
    assert.equal(checkSeed(MAX_SEED), MAX_SEED);
  });

  it("the config rule refuses seed 2³² (and 2⁶⁴) in one line; 2³² − 1 is a seed", () => {
    assert.throws(
      () => resolveConfig({ seed: 2 ** 32 }),
      /^ConfigError: seed: must be ≤ 4294967295 \(got 4294967296\)$/,
    );
    assert.throws(() => resolveConfig({ seed: 2 ** 64 }), /seed: must be ≤ 4294967295/);
    assert.equal(resolveConfig({ seed: MAX_SEED }).seed, MAX_SEED);
  });

  it("through the CLI: --set seed=4294967296 and a sweep's seeds / random.seed over 2³² − 1 exit 2 naming the place", () => {
    const dir = tempDir();
    const set = nfx(["run", "--set", "seed=4294967296", "--set", "train.steps=3", "--db", "x.db"], dir);
    assert.equal(set.status, 2);
    assert.equal(set.stderr.trim(), "nfx: error: --set: seed: must be ≤ 4294967295 (got 4294967296)");
    const head = "name: s\nmodel: { name: nf-resnet-micro }\n";
    const seeds = writeFile(dir, "seeds.yaml", `${head}seeds: [0, 4294967296]\n`);
    const a = nfx(["sweep", seeds, "--db", "y.db", "--dry-run"], dir);
    assert.equal(a.status, 2);
    assert.match(a.stderr, /seeds\.yaml:3:1: seed: must be ≤ 4294967295 \(got 4294967296\)/);
    const random = writeFile(
      dir,
      "random.yaml",
      `${head}random: { n: 2, seed: 4294967296, optim.lr: { loguniform: [0.01, 0.1] } }\n`,
    );
    const b = nfx(["sweep", random, "--db", "y.db", "--dry-run"], dir);
    assert.equal(b.status, 2);
    assert.match(b.stderr, /random\.yaml:3:\d+: random\.seed: must be an integer in 0 … 4294967295/);
    assert.ok(!set.stdout.includes("completed") && !a.stdout.includes("completed"));
  });
});
