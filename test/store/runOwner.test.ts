// Whether a run's owner is alive: a dead pid, a zombie (killed, not yet reaped by its parent) and a heartbeat seen
// unchanged for longer than the stale limit on the reader's own clock each count as gone; a live process whose
// heartbeat keeps changing does not — whatever its host's clock says (issue 27 item 5).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import { describe, it } from "node:test";
import { HeartbeatWatch, ownerGone, pidAlive } from "../../src/core/store/runOwner.js";

const QUIET = { quietSeconds: 0, advancing: true };

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
      assert.match(ownerGone({ host: os.hostname(), pid }, QUIET, 30) ?? "", /process \d+ is gone/);
    } finally {
      parent.kill("SIGKILL");
    }
  });

  it("an owner is gone when dead on this host or seen silent longer than the stale limit on any host", () => {
    const here = os.hostname();
    const silent = { quietSeconds: 60, advancing: false };
    assert.equal(ownerGone({ host: here, pid: process.pid }, QUIET, 30), null);
    assert.equal(ownerGone({ host: "other-host", pid: 1 }, QUIET, 30), null, "another host's pid is not ours to test");
    assert.match(
      ownerGone({ host: "other-host", pid: 1 }, silent, 30) ?? "",
      /heartbeat unchanged for 60 s as seen here \(owner other-host:1\)/,
    );
    assert.match(ownerGone({ host: here, pid: 999_999_999 }, QUIET, 30) ?? "", /owner process 999999999 is gone/);
    assert.match(ownerGone(null, silent, 30) ?? "", /heartbeat unchanged .*owner unknown/);
  });

  it("a heartbeat is judged by whether it changes on the reader's clock, never by its value against the reader's time", () => {
    let t = 0;
    const watch = new HeartbeatWatch(() => t);
    const behind = { host: "slow-clock", pid: 7 };
    // A host 40 s behind writes every second: its heartbeat is 40 s "old" by this clock, and alive throughout.
    for (let s = 0; s <= 120; s++) {
      t = s * 1000;
      const beat = new Date(Date.parse("2026-12-07T12:00:00Z") - 40_000 + s * 1000).toISOString();
      const seen = watch.observe(1, behind, beat);
      assert.equal(ownerGone(behind, seen, 30), null, `alive at ${s} s`);
    }
    // A host 600 s ahead that died: its last heartbeat lies 600 s in this host's future. Silent from the first look,
    // gone after the stale limit on this clock — not after 630 s — and never "0 s ago".
    const ahead = { host: "fast-clock", pid: 8 };
    const last = new Date(Date.now() + 600_000).toISOString();
    t = 1_000_000;
    assert.deepEqual(watch.observe(2, ahead, last), { quietSeconds: 0, advancing: false });
    t += 30_000;
    assert.equal(ownerGone(ahead, watch.observe(2, ahead, last), 30), null, "not yet: 30 s is the limit");
    t += 1_500;
    const seen = watch.observe(2, ahead, last);
    assert.deepEqual(seen, { quietSeconds: 31.5, advancing: false });
    assert.match(ownerGone(ahead, seen, 30) ?? "", /heartbeat unchanged for 32 s as seen here/);
    // A new owner (the run claimed again) starts a new watch.
    assert.deepEqual(watch.observe(2, { host: "fast-clock", pid: 9 }, last), { quietSeconds: 0, advancing: false });
  });
});
