// Running out of wasm's 4 GiB heap is reported as that, not as the unrelated error tfjs throws next.
// (Its own file: node --test runs each file in a process, and this one leaves a 3 GiB wasm heap behind.)
import assert from "node:assert/strict";
import { test } from "node:test";
import { initBackend } from "../../src/core/engine/backend/backend.js";
import { tf } from "../../src/core/engine/tf.js";
import { wasmOutOfMemoryExplanation } from "../../src/core/engine/wasm/wasmMemory.js";

test("an allocation past the wasm heap limit is explained as out of memory", async () => {
  await initBackend("wasm");
  assert.equal(wasmOutOfMemoryExplanation(new Error("some other failure")), null, "no blame while memory is fine");
  const held: tf.Tensor[] = [];
  let failure: unknown = null;
  try {
    for (let i = 0; i < 8; i++) held.push(tf.zeros([256, 1024, 1024])); // 1 GiB each
  } catch (err) {
    failure = err;
  }
  assert.ok(failure !== null, "a fifth GiB cannot fit a 4 GiB heap");
  assert.match(wasmOutOfMemoryExplanation(failure) ?? "", /wasm backend ran out of memory .*4 GiB.*train\.micro_batch/);
  tf.dispose(held);
});
