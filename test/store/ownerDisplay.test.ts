// After `kill -9` a run stays `running` in the store until a sweep re-queues it (issue 27 item 14): `nfx runs` and
// `nfx runs show` say that its owner is dead (its pid on this host is gone), in text and in --json
// (`owner_alive`: false); a live owner is alive, an owner on another host is not judged at one look (null).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import path from "node:path";
import { describe, it } from "node:test";
import { configHash } from "../../src/core/config/hash.js";
import { resolveConfig } from "../../src/core/config/resolve.js";
import { thisOwner } from "../../src/core/store/runOwner.js";
import { RunStore } from "../../src/core/store/runStore.js";
import { nfx } from "../e2e/sweepHelpers.js";
import { tempDir } from "../helpers.js";

/** A process that is then killed with SIGKILL: its pid, now dead (and reaped: not a zombie). */
async function killedPid(): Promise<number> {
  const child = spawn("sleep", ["30"], { stdio: "ignore" });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGKILL");
  await exited;
  return child.pid as number;
}

describe("a dead owner is shown", () => {
  it("nfx runs and runs show (text and --json) say a kill -9'd owner is dead, a live one alive", async () => {
    const db = path.join(tempDir(), "nfx.db");
    const store = RunStore.open(db);
    const ids = [1, 2, 3, 4].map((seed) => {
      const cfg = resolveConfig({ seed });
      return store.ensureRun(cfg, configHash(cfg), null).id;
    });
    const [dead, live, remote] = ids as [number, number, number, number];
    const here = thisOwner().host;
    store.claimRun(dead, { host: here, pid: await killedPid() }, false);
    store.claimRun(live, { host: here, pid: process.pid }, false);
    store.claimRun(remote, { host: "other-host", pid: 42 }, false);
    assert.deepEqual(
      ids.map((id) => store.getRun(id)?.owner_alive),
      [false, true, null, null],
      "dead, alive, another host's, and a pending run's",
    );
    store.close();

    const list = nfx(["runs", "--db", db], path.dirname(db));
    assert.equal(list.status, 0, list.stderr);
    const line = (id: number) => list.stdout.split("\n").find((l) => l.startsWith(`${id} `)) ?? "";
    assert.match(line(dead), /running \(owner dead\)/);
    assert.doesNotMatch(line(live), /owner dead/);
    assert.doesNotMatch(line(remote), /owner dead/);
    const json = JSON.parse(nfx(["runs", "--db", db, "--json"], path.dirname(db)).stdout) as {
      id: number;
      owner_alive: boolean | null;
    }[];
    assert.deepEqual(
      json.map((r) => [r.id, r.owner_alive]),
      [
        [dead, false],
        [live, true],
        [remote, null],
        [4, null],
      ],
    );

    const show = nfx(["runs", "show", String(dead), "--db", db], path.dirname(db));
    assert.equal(show.status, 0, show.stderr);
    assert.match(
      show.stdout.split("\n")[0] ?? "",
      /: running — owner pid \d+ on this host is dead; the next sweep re-queues/,
    );
    const other = nfx(["runs", "show", String(remote), "--db", db], path.dirname(db));
    assert.match(
      other.stdout.split("\n")[0] ?? "",
      /: running — owner pid 42 on host other-host, heartbeat \S+ by its clock$/,
    );
    const detail = JSON.parse(nfx(["runs", "show", String(dead), "--db", db, "--json"], path.dirname(db)).stdout);
    assert.equal(detail.owner_alive, false);
  });
});
