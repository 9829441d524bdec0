// A Ctrl-C that arrives while a training command loads (before it listens) is kept for the command's listener.
import assert from "node:assert/strict";
import { test } from "node:test";
import { holdEarlyInterrupts, listenForInterrupts } from "../../src/ui/interrupt.js";

test("a signal held early reaches the command's listener (first: stop gently; second: stop at once)", async () => {
  holdEarlyInterrupts();
  process.kill(process.pid, "SIGINT");
  process.kill(process.pid, "SIGINT");
  await new Promise((r) => setTimeout(r, 200));
  const interrupts = listenForInterrupts();
  try {
    assert.equal(interrupts.signal.aborted, true, "the first early signal: stop gently");
    assert.equal(interrupts.now.aborted, true, "the second: stop at once");
  } finally {
    interrupts.dispose();
  }
});
