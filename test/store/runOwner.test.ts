// Whether a run's owner is alive: a dead pid, a zombie (killed, not yet reaped by its parent) and a stale heartbeat
// each count as gone; a live process with a fresh heartbeat does not.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import { describe, it } from "node:test";
import { ownerGone, pidAlive } from "../../src/core/store/runOwner.js";

const linux = fs.existsSync("/proc/self/stat");

describe("run owner liveness", () => {
  it("a live process is alive; a dead pid is not", () => {
    assert.equal(pidAlive(process.pid), true);
    assert.equal(pidAlive(999_999_999), false);
  });

  it("a zombie (killed, its parent not waiting for it) counts as dead", { skip: !linux && "needs /proc" }, async () => {
    // sh starts `sleep 0.3` and becomes `sleep 5`, which never reaps it: the child, ending after the exec, stays a
    // zombie meanwhile. (With `sleep 0` the shell itself could reap it before its exec: CI saw that once.)
    const parent = spawn("sh", ["-c", "sleep 0.3 & echo $!; exec sleep 5"], { stdio: ["ignore", "pipe", "ignore"] });
    try {
      const pid = await new Promise<number>((resolve) => parent.stdout.once("data", (d) => resolve(Number(String(d)))));
      const state = () => fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0];
      const t0 = Date.now();
      while (state() !== "Z" && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 20));
      assert.equal(state(), "Z");
      process.kill(pid, 0); // the kernel still finds it…
      assert.equal(pidAlive(pid), false); // …but it can no longer write for any run
      assert.match(ownerGone({ host: os.hostname(), pid }, new Date().toISOString(), 30) ?? "", /process \d+ is gone/);
    } finally {
      parent.kill("SIGKILL");
    }
  });

  it("an owner is gone when dead on this host or silent longer than the stale limit on any host", () => {
    const fresh = new Date().toISOString();
    const old = new Date(Date.now() - 60_000).toISOString();
    const here = os.hostname();
    assert.equal(ownerGone({ host: here, pid: process.pid }, fresh, 30), null);
    assert.equal(ownerGone({ host: "other-host", pid: 1 }, fresh, 30), null, "another host's pid is not ours to test");
    assert.match(ownerGone({ host: "other-host", pid: 1 }, old, 30) ?? "", /no heartbeat for 60 s/);
    assert.match(ownerGone({ host: here, pid: 999_999_999 }, fresh, 30) ?? "", /owner process 999999999 is gone/);
    assert.match(ownerGone(null, null, 30) ?? "", /no heartbeat/);
  });
});
