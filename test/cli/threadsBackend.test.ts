// --threads with a backend that computes on one thread (issue 27 item 19: accepted with wasm and ignored). wasm runs
// XNNPACK single-threaded under Node (engine/wasm/wasmThreads.ts) and cpu is one thread: named explicitly, the
// flag is refused; picked by `auto`, the progress says it has no effect.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkThreadsBackend } from "../../src/core/sweep/options.js";
import { sweepProgress } from "../../src/ui/progress.js";
import { nfx, root } from "../e2e/sweepHelpers.js";
import { tempDir, writeFile } from "../helpers.js";

const ONE = `name: one
model: { name: nf-resnet-micro }
data: { name: synthetic, train_size: 16, test_size: 16, image_size: 8 }
train: { steps: 1, batch_size: 8 }
`;

describe("--threads", () => {
  it("is refused with --backend wasm or cpu, by nfx sweep and nfx run, before anything is stored", () => {
    const dir = tempDir();
    const file = writeFile(dir, "one.yaml", ONE);
    for (const [cmd, backend] of [
      [["sweep", file, "--jobs", "1"], "wasm"],
      [["run", "--config", file], "cpu"],
    ] as const) {
      const r = nfx([...cmd, "--db", `${dir}/${backend}.db`, "--backend", backend, "--threads", "1"], root);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`^nfx: error: --threads 1: the ${backend} backend computes on one thread`));
      assert.equal(r.stderr.trim().split("\n").length, 1);
    }
    const bench = nfx(["bench", "--backend", "wasm,cpu", "--threads", "2"], root);
    assert.equal(bench.status, 2, bench.stderr);
    assert.match(bench.stderr, /^nfx: error: --threads 2: the wasm backend computes on one thread/);
    assert.doesNotThrow(() => checkThreadsBackend("tensorflow", 2));
    assert.doesNotThrow(() => checkThreadsBackend("auto", 2));
    assert.doesNotThrow(() => checkThreadsBackend("wasm", undefined));
  });

  it("picked by auto, a one-thread backend is said to ignore --threads", () => {
    const out: string[] = [];
    const stream = { isTTY: false, write: (s: string) => out.push(s) > 0 } as unknown as NodeJS.WriteStream;
    const backend = { name: "wasm", version: "4.22.0", device: "cpu" } as never;
    sweepProgress(stream, { threads: 2 }).backendReady?.(backend);
    assert.match(out.join(""), /--threads 2 has no effect: wasm computes on one thread/);
    out.length = 0;
    sweepProgress(stream, {}).backendReady?.(backend);
    assert.doesNotMatch(out.join(""), /--threads/);
    sweepProgress(stream, { threads: 2 }).backendReady?.({
      name: "tensorflow",
      version: "4.22.0",
      device: "cpu",
    } as never);
    assert.doesNotMatch(out.join(""), /--threads/);
  });
});
