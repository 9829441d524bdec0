// The README's library example, run as written: readmeExample.fixture.ts is its ```ts block under "## Library"
// (type-checked by tsc, with `from "nfx"` pointing at src/index.ts); this test checks that the two agree, then
// runs the fixture and checks its results.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { it } from "node:test";
import { tf, unitwiseNorm } from "../../src/index.js";

const here = (name: string) => new URL(name, import.meta.url);

/** The first ```ts block of the README's `## Library` section. */
function libraryExample(): string {
  const readme = readFileSync(here("../../README.md"), "utf8");
  const section = readme.split(/^## /m).find((s) => s.startsWith("Library\n"));
  assert.ok(section, "README has a ## Library section");
  const block = /```ts\n([\s\S]*?)\n```/.exec(section)?.[1];
  assert.ok(block, "the Library section has a ```ts example");
  return block;
}

it("README library example is the type-checked fixture, runs as written, and clips", async () => {
  const readme = libraryExample();
  assert.match(readme, /from "nfx";/);
  const fixture = readFileSync(here("readmeExample.fixture.ts"), "utf8");
  // The fixture less its header comment and its closing export (for this test).
  const body = (fixture.split("\n// For readmeExample.test.ts")[0] as string).replace(/^(\/\/ .*\n)+/, "").trim();
  assert.equal(body, readme.replace(/from "nfx";/, 'from "../../src/index.js";').trim(), "README ≠ fixture");

  const ex = (await import("./readmeExample.fixture.js")) as Record<"clipped" | "dense" | "g" | "w", tf.Tensor>;
  // agcClip: every unit's norm is at most λ·max(‖W_i‖, ε) (λ = 0.01, ε = 1e-3), and the gradient got smaller.
  const gotNorms = unitwiseNorm(ex.clipped).dataSync();
  const maxNorms = unitwiseNorm(ex.w).maximum(1e-3).mul(0.01).dataSync();
  gotNorms.forEach((n, u) => {
    assert.ok(n <= (maxNorms[u] as number) * (1 + 1e-5), `unit ${u}: ${n}`);
  });
  assert.ok((ex.clipped.norm().dataSync()[0] as number) < (ex.g.norm().dataSync()[0] as number));
  // withAgc + minimize: the step ran and left the weights finite.
  assert.equal(tf.isNaN(ex.dense).any().dataSync()[0], 0);
});
