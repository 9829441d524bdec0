// The store as other programs and other users leave it, through the real CLI: a sweep while another process holds
// the write lock, a store in a directory the reader cannot write, run references that are not exact, and a store
// that is not there.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { after, describe, it } from "node:test";
import { addConstructedRuns, SUPPORTS } from "../figures/constructedStore.js";
import { tempDir, testBackend, writeFile } from "../helpers.js";
import { storeWithChosenHashes } from "../store/chosenHashes.js";
import { holdWriteLock, writeThenDie } from "../store/lockHolder.js";
import { bin, nfx, nfxBackground, peek, tinySweep, waitFor } from "./sweepHelpers.js";

/** oclif wraps long error lines at the terminal width: undo that before matching. */
function flat(stderr: string): string {
  return stderr.replace(/\s*\n\s*›\s*/g, " ");
}

function oneErrorLine(stderr: string): string {
  const lines = stderr.trim().split("\n");
  assert.equal(lines.length, 1, `one line: ${stderr}`);
  return lines[0] as string;
}

describe("the store and other processes, end to end", () => {
  it("a sweep while another process holds the write lock past SQLite's timeout: waits, finishes every run", async () => {
    const dir = tempDir();
    const cfg = writeFile(dir, "tiny.yaml", tinySweep({ steps: 20 }));
    const db = path.join(dir, "s.db");
    // 4 s in all, SQLite's own busy timeout 1 s: the 2.5 s lock outlasts SQLite, so only the retry gets past it.
    process.env.NFX_STORE_WAIT_S = "4";
    const sweep = nfxBackground(
      ["sweep", cfg, "--db", "s.db", "--backend", testBackend(), "--jobs", "1", "--quiet"],
      dir,
    );
    delete process.env.NFX_STORE_WAIT_S;
    await waitFor("a running run", () => peek(db, "SELECT id FROM runs WHERE status = 'running'").length > 0);
    const { released } = await holdWriteLock(db, 2500);
    await released;
    const end = await sweep.done;
    assert.equal(end.code, 0, sweep.stderr());
    const runs = peek<{ status: string; steps_done: number; n: number }>(
      db,
      `SELECT status, steps_done, (SELECT count(*) FROM metrics m WHERE m.run_id = r.id AND m.name = 'loss') AS n
       FROM runs r ORDER BY id`,
    );
    assert.deepEqual(
      runs,
      Array.from({ length: 4 }, () => ({ status: "completed", steps_done: 20, n: 20 })),
      "every run finished with every step's metrics",
    );
  });

  it("run references through runs rm / runs show: wildcards, ambiguity and all-digit prefixes delete nothing", () => {
    const dir = tempDir();
    storeWithChosenHashes(path.join(dir, "r.db")).close();
    for (const [args, message] of [
      [
        ["runs", "rm", "_", "--yes"],
        /'_': not a run id \(digits\) or a config-hash prefix \(hex digits\) \(nothing deleted\)/,
      ],
      [
        ["runs", "rm", "0002", "--yes"],
        /'0002' is ambiguous: it names run 2 \(by id\), run 3 \(hash 0002ffff00000000\)/,
      ],
      [["runs", "show", "1234abc"], /'1234abc' is ambiguous: it names run 1 \(hash 1234abcd00000000\), run 2/],
    ] as const) {
      const res = nfx([...args, "--db", "r.db"], dir);
      assert.equal(res.status, 2, args.join(" "));
      assert.match(oneErrorLine(flat(res.stderr)), message);
    }
    assert.deepEqual(peek(path.join(dir, "r.db"), "SELECT count(*) AS n FROM runs"), [{ n: 3 }], "nothing deleted");
  });

  it("a store that is not there: every reading command says 'no such store' and creates nothing", () => {
    const dir = tempDir();
    for (const args of [
      ["report", "--out", "out"],
      ["figure", "fig2b", "--out", "out"],
      ["runs", "rm", "1", "--yes"],
    ]) {
      const res = nfx([...args, "--db", "typo.db"], dir);
      assert.equal(res.status, 2, args.join(" "));
      assert.match(oneErrorLine(flat(res.stderr)), /^nfx: error: typo\.db: no such store/, args.join(" "));
    }
    assert.deepEqual(fs.readdirSync(dir), [], "no store, no report, no figure");
  });
});

/**
 * The argv prefix that runs a command as a user who cannot write the store's directory: nobody (via setpriv) when
 * the tests run as root, who could write anywhere; nothing when they already run unprivileged. Null when neither
 * is possible (root without setpriv, or nobody cannot reach the repository).
 */
function unprivileged(): string[] | null {
  if (process.getuid?.() !== 0) return [];
  const setpriv = ["/usr/bin/setpriv", "/bin/setpriv"].find((p) => fs.existsSync(p));
  if (!setpriv) return null;
  const prefix = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"];
  const canRead = `require("fs").accessSync(${JSON.stringify(bin)}, require("fs").constants.R_OK)`;
  const probe = spawnSync(prefix[0] as string, [...prefix.slice(1), process.execPath, "-e", canRead]);
  if (probe.status === 0) return prefix;
  // nobody cannot reach the repository (a clone under a 0700 temp directory, as CI's): root without the
  // capabilities that bypass file permissions obeys them like any owner — a 0555 directory is not writable.
  const capless = [setpriv, "--bounding-set=-dac_override,-dac_read_search"];
  const ro = tempDir();
  fs.chmodSync(ro, 0o555);
  const cannotWrite = `try { require("fs").accessSync(${JSON.stringify(ro)}, 2); process.exit(1) } catch { process.exit(0) }`;
  const check = spawnSync(capless[0] as string, [...capless.slice(1), process.execPath, "-e", cannotWrite]);
  fs.chmodSync(ro, 0o755);
  return check.status === 0 ? capless : null;
}

describe("a store in a directory the reader cannot write", () => {
  const prefix = unprivileged();
  const skip = prefix === null ? "needs setpriv (or an unprivileged user) to run as a user who cannot write" : false;
  const base = tempDir();
  const locked: string[] = [];
  after(() => {
    for (const d of locked) fs.chmodSync(d, 0o755);
  });

  /** A store of fig2b's 26 constructed runs in its own directory, made read-only; writable `out` beside it. */
  function readOnlyStore(name: string, prepare?: (db: string) => Promise<void>) {
    return async () => {
      fs.chmodSync(base, 0o755);
      const dir = path.join(base, name);
      const out = path.join(base, `${name}-out`);
      fs.mkdirSync(dir);
      fs.mkdirSync(out, { mode: 0o777 });
      fs.chmodSync(out, 0o777);
      const db = path.join(dir, "nfx.db");
      addConstructedRuns(db, "fig2b", SUPPORTS.fig2b as never);
      await prepare?.(db);
      for (const f of fs.readdirSync(dir)) fs.chmodSync(path.join(dir, f), 0o444);
      fs.chmodSync(dir, 0o555);
      locked.push(dir);
      const run = (args: string[]) =>
        spawnSync(
          (prefix as string[])[0] ?? process.execPath,
          [...(prefix as string[]).slice(1), ...((prefix as string[]).length ? [process.execPath] : []), bin, ...args],
          { cwd: out, encoding: "utf8", env: { ...process.env, NFX_DB: "", HOME: out, XDG_CACHE_HOME: out } },
        );
      return { db, dir, out, run };
    };
  }

  it("WAL store whose side files are gone: runs, runs show, query, export, plot, figure and report read it; rm is refused", {
    skip,
  }, async () => {
    const { db, dir, out, run } = await readOnlyStore("clean")();
    assert.deepEqual(fs.readdirSync(dir), ["nfx.db"], "no -wal, no -shm");
    const before = fs.readFileSync(db);
    const ok = (args: string[]) => {
      const res = run([...args, "--db", db]);
      assert.equal(res.status, 0, `${args.join(" ")}: ${res.stderr}`);
      return res.stdout;
    };
    assert.equal((JSON.parse(ok(["runs", "--json"])) as unknown[]).length, 26);
    assert.equal((JSON.parse(ok(["runs", "show", "1", "--json"])) as { id: number }).id, 1);
    assert.deepEqual(JSON.parse(ok(["query", "SELECT count(*) AS n FROM runs", "--json"])), [{ n: 26 }]);
    assert.equal(ok(["export", "--format", "csv"]).trim().split("\n").length, 27);
    ok(["plot", "--x", "train.batch_size", "--out", out, "--format", "json"]);
    ok(["figure", "fig2b", "--out", out, "--format", "json"]);
    ok(["report", "--out", path.join(out, "report"), "--format", "json"]);
    // Writing it is refused in one line, before anything is touched.
    const rm = run(["runs", "rm", "1", "--yes", "--db", db]);
    assert.equal(rm.status, 2);
    assert.match(
      oneErrorLine(flat(rm.stderr)),
      new RegExp(`${db}: cannot write the store: the file is not writable for this user`),
    );
    assert.deepEqual(fs.readFileSync(db), before, "the store is untouched");
    assert.deepEqual(fs.readdirSync(dir), ["nfx.db"]);
  });

  it("a live WAL store (its -wal and -shm there) is read as it is, changes in the log included", { skip }, async () => {
    const { db, run } = await readOnlyStore("live", (db) =>
      writeThenDie(db, "UPDATE runs SET error = 'from the log' WHERE id = 1"),
    )();
    const res = run(["query", "SELECT error FROM runs WHERE id = 1", "--db", db, "--json"]);
    assert.equal(res.status, 0, res.stderr);
    assert.deepEqual(JSON.parse(res.stdout), [{ error: "from the log" }]);
  });

  it("a WAL with unmerged changes but no -shm cannot be read: one line says why and what to do", { skip }, async () => {
    const { db, dir, run } = await readOnlyStore("crashed", async (db) => {
      await writeThenDie(db, "UPDATE runs SET error = 'from the log' WHERE id = 1");
      fs.rmSync(`${db}-shm`);
    })();
    for (const args of [["runs"], ["query", "SELECT 1"]]) {
      const res = run([...args, "--db", db]);
      assert.equal(res.status, 2, args.join(" "));
      const line = oneErrorLine(flat(res.stderr));
      assert.match(line, new RegExp(`${db}: cannot read the store: nfx\\.db-wal holds changes that must be merged`));
      assert.match(line, new RegExp(`${dir} is not writable for this user`));
      assert.match(line, /PRAGMA wal_checkpoint\(TRUNCATE\)/);
    }
  });

  it("plot, figure and report with no --out cannot write beside the store: one line names the directory and --out", {
    skip,
  }, async () => {
    const { db, dir, run } = await readOnlyStore("noout")();
    for (const [args, what] of [
      [["plot", "--x", "agc.lambda"], "figures"],
      [["figure", "fig2b", "--format", "json"], "figures"],
      [["report", "--format", "json"], "the report"],
    ] as const) {
      const res = run([...args, "--db", db]);
      assert.equal(res.status, 2, args.join(" "));
      const line = oneErrorLine(flat(res.stderr));
      assert.match(line, new RegExp(`cannot write ${what} beside the store .*: ${dir} is not writable for this user`));
      assert.match(line, /pass --out DIR/);
      assert.doesNotMatch(line, /EACCES: permission denied, mkdir/);
    }
    assert.deepEqual(fs.readdirSync(dir), ["nfx.db"], "nothing written");
  });

  it("a WAL store whose -wal this user may not read: the line says so, not that the directory is the cause", {
    skip,
  }, async () => {
    const { db, run } = await readOnlyStore("wal600", (db) =>
      writeThenDie(db, "UPDATE runs SET error = 'from the log' WHERE id = 1"),
    )();
    fs.chmodSync(`${db}-wal`, 0o600);
    fs.chownSync(`${db}-wal`, 12345, 12345); // another user's: unreadable for nobody and for capability-less root
    const res = run(["runs", "--db", db]);
    assert.equal(res.status, 2);
    const line = oneErrorLine(flat(res.stderr));
    assert.match(line, new RegExp(`${db}: cannot read the store: nfx\\.db-wal is not readable for this user`));
    assert.doesNotMatch(line, /must be merged first/);
  });
});
