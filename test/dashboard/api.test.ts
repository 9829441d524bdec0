// `nfx ui` from outside: it starts (and answers) within 2 s, Ctrl-C stops it with status 0, its JSON API answers
// what the CLI answers on the same store (`nfx runs --json`, `--where`, `--group-by`), browsing leaves the store's
// bytes as they were, other hosts need the token (401 without it), no path reaches a file outside the served
// ones (404), and a write through the SQL endpoint is refused.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { nfx } from "../e2e/sweepHelpers.js";
import { quickStore, startUi, storeHash, type UiProcess } from "./dashboardHelpers.js";

const { dir, db } = quickStore();

async function get(url: string, init: RequestInit = {}): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, body: text.startsWith("{") || text.startsWith("[") ? JSON.parse(text) : text };
}

function cli(args: string[]): unknown {
  const res = nfx([...args, "--db", db, "--json"], dir);
  assert.equal(res.status, 0, res.stderr);
  return JSON.parse(res.stdout);
}

describe("nfx ui on a quick-start store", () => {
  let ui: UiProcess;
  let base: string;
  const before0 = storeHash(db);
  before(async () => {
    ui = await startUi(["--db", db], dir);
    base = ui.started.url;
  });
  after(async () => {
    await ui?.stop();
  });

  it("listens on 127.0.0.1 (no token on loopback); its start time is measured beside a bare CLI's", () => {
    assert.equal(ui.started.host, "127.0.0.1");
    assert.equal(ui.started.token, null);
    // Node and oclif alone take most of it; measured beside `nfx query "SELECT 1"` on the same machine, for scale.
    // The < 2 s of issue 29 is a measurement (docs/ui.md), not this test's bound: a loaded machine slows both; the
    // bound here only catches a start that does far more than the CLI's (loading the figures code eagerly).
    const t0 = Date.now();
    nfx(["query", "SELECT 1", "--db", db], dir);
    const cliMs = Date.now() - t0;
    process.stdout.write(`# nfx ui listening after ${ui.startMs} ms; a bare CLI: ${cliMs} ms\n`);
    assert.ok(ui.startMs < 3 * cliMs + 2000, `listening after ${ui.startMs} ms (a bare CLI: ${cliMs} ms)`);
  });

  it("GET /api/runs equals nfx runs --json, with and without --where, --sort, --columns", async () => {
    for (const q of [
      {},
      { where: "agc.lambda = 0.01" },
      { where: "seed = 1 or agc.lambda is null", sort: "-test_top1" },
      { columns: "id,agc.lambda,test_top1", status: "completed" },
    ] as Record<string, string>[]) {
      const args = ["runs", ...Object.entries(q).flatMap(([k, v]) => [`--${k}`, v])];
      const api = await get(`${base}api/runs?${new URLSearchParams(q)}`);
      assert.equal(api.status, 200, JSON.stringify(api.body));
      assert.deepEqual(api.body, cli(args), JSON.stringify(q));
    }
    const some = (await get(`${base}api/runs?where=${encodeURIComponent("agc.lambda = 0.01")}`)).body as unknown[];
    assert.equal(some.length, 2, "the filter keeps 2 of the 4 runs");
  });

  it("GET /api/groups has the statistics of nfx runs --group-by", async () => {
    const api = (await get(`${base}api/groups?by=agc.lambda`)).body as { groups: unknown[] };
    assert.deepEqual(api.groups, cli(["runs", "--group-by", "agc.lambda"]));
    assert.equal(api.groups.length, 2);
  });

  it("GET /api/runs/:id is nfx runs show --json plus its config against the defaults and its curves", async () => {
    const api = (await get(`${base}api/runs/1`)).body as {
      run: unknown;
      config: { differs: { key: string }[] };
      curves: { metric: string }[];
    };
    assert.deepEqual(api.run, cli(["runs", "show", "1"]));
    const differs = api.config.differs.map((c) => c.key);
    for (const key of ["data.name", "data.train_size", "train.steps", "optim.lr"])
      assert.ok(differs.includes(key), key);
    assert.ok(!differs.includes("optim.momentum"), "a key at its default is not listed as differing");
    assert.ok(api.curves.filter((p) => p.metric === "loss").length === 3, "3 steps of loss");
  });

  it("GET /api/report holds nfx report --json's claims: the same verdicts, runs used and left out, in order", async () => {
    const api = (await get(`${base}api/report`)).body as { claims: unknown[]; figures: unknown[] };
    const out = path.join(dir, "report-out");
    const doc = cli(["report", "--out", out, "--format", "json"]) as { claims: unknown[] };
    assert.deepEqual(api.claims, doc.claims);
    assert.ok(api.figures.length > 0, "and the figures the page draws");
  });

  it("a bad filter is 400 with the CLI's message; an unknown run, figure or path is 404", async () => {
    const bad = await get(`${base}api/runs?where=${encodeURIComponent("agc.lamda = 1")}`);
    assert.equal(bad.status, 400);
    assert.match((bad.body as { error: string }).error, /unknown field 'agc.lamda' \(did you mean 'agc.lambda'\?\)/);
    assert.equal((await get(`${base}api/runs/999`)).status, 404);
    assert.equal((await get(`${base}api/figure/nope`)).status, 404);
    assert.equal((await get(`${base}api/nope`)).status, 404);
  });

  it("path traversal: every way of naming a file outside the served ones is 404", async () => {
    const secret = path.join(dir, "secret.txt");
    fs.writeFileSync(secret, "not for the browser");
    const attempts = [
      "../secret.txt",
      "%2e%2e/secret.txt",
      "%2e%2e%2fsecret.txt",
      "js/..%2f..%2f..%2fpackage.json",
      "..%5c..%5cpackage.json",
      `/${encodeURIComponent(secret)}`,
      "api/figure/..%2f..%2fpackage.json",
      "api/runs/..%2F..%2Fquick.db",
      "vendor/..%2fvega.min.js%2f..%2f..%2fpackage.json",
      `/${path.join(dir, "quick.db")}`,
      "/%2Fetc%2Fpasswd",
      "server.ts",
      "quick.db",
    ];
    for (const a of attempts) {
      // A raw request line: fetch would normalize `..` away before sending it.
      const raw = spawnSync("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--path-as-is", `${base}${a}`], {
        encoding: "utf8",
      });
      assert.equal(raw.stdout, "404", a);
    }
    assert.equal((await get(`${base}js/core.js`)).status, 200, "the served files are served");
    // DNS rebinding: a page of evil.example resolved to 127.0.0.1 sends its own name as Host.
    const rebound = spawnSync(
      "curl",
      ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Host: evil.example", `${base}api/runs`],
      {
        encoding: "utf8",
      },
    );
    assert.equal(rebound.stdout, "403", "a foreign Host header on loopback");
  });

  it("SQL: reads answer, writes are refused (403), and the store is unchanged", async () => {
    const ok = await get(`${base}api/query?sql=${encodeURIComponent("SELECT count(*) AS n FROM runs")}`);
    assert.deepEqual((ok.body as { rows: unknown[] }).rows, [{ n: 4 }]);
    for (const sql of [
      "DELETE FROM runs",
      "UPDATE runs SET status = 'failed'",
      "PRAGMA user_version = 99",
      "WITH x AS (SELECT 1) DELETE FROM runs",
      "SELECT 1; DELETE FROM runs",
      "ATTACH DATABASE '/tmp/x.db' AS x",
    ]) {
      const res = await get(`${base}api/query?sql=${encodeURIComponent(sql)}`);
      assert.ok(res.status === 403 || res.status === 400, `${sql}: ${res.status}`);
    }
    assert.deepEqual(cli(["query", "SELECT count(*) AS n FROM runs WHERE status = 'completed'"]), [{ n: 4 }]);
    assert.equal((await get(`${base}api/runs`, { method: "PUT" })).status, 405);
  });

  it("browsing every endpoint leaves the store's bytes unchanged", async () => {
    for (const p of ["api/runs", "api/runs-page", "api/groups?by=seed", "api/runs/2", "api/compare?ids=1,2,3,4"])
      assert.equal((await get(`${base}${p}`)).status, 200, p);
    for (const p of ["api/sweeps", "api/sweeps/1", "api/figures", "api/figure/fig2b", "api/report"])
      assert.equal((await get(`${base}${p}`)).status, 200, p);
    assert.equal(storeHash(db), before0);
  });

  it("Ctrl-C stops it with status 0 at once", async () => {
    const { code, ms } = await ui.stop("SIGINT");
    assert.equal(code, 0);
    assert.ok(ms < 2000, `stopped after ${ms} ms`);
  });
});

describe("nfx ui on another address", () => {
  it("requires the token it printed: 401 without it or with a wrong one, 200 with it", async () => {
    const ui = await startUi(["--db", db, "--host", "0.0.0.0"], dir);
    try {
      const { token, port } = ui.started;
      assert.ok(token && token.length >= 32, "a token is printed");
      const base = `http://127.0.0.1:${port}/`;
      for (const p of ["", "api/runs", "js/core.js", "api/query?sql=SELECT%201", "nope"])
        assert.equal((await fetch(`${base}${p}`)).status, 401, p);
      assert.equal((await fetch(`${base}api/runs?token=wrong`)).status, 401);
      assert.equal((await fetch(`${base}api/runs`, { headers: { Authorization: `Bearer ${token}x` } })).status, 401);
      assert.equal((await fetch(`${base}api/runs?token=${token}`)).status, 200);
      assert.equal((await fetch(`${base}api/runs`, { headers: { Authorization: `Bearer ${token}` } })).status, 200);
      const page = await fetch(`${base}?token=${token}`);
      const cookie = page.headers.get("set-cookie") ?? "";
      assert.match(cookie, /HttpOnly/);
      assert.equal(
        (await fetch(`${base}api/runs`, { headers: { Cookie: cookie.split(";")[0] as string } })).status,
        200,
      );
    } finally {
      await ui.stop();
    }
  });

  it("a port in use, an address not of this machine: one line naming the flag, exit 2", async () => {
    const ui = await startUi(["--db", db], dir);
    try {
      const busy = nfx(["ui", "--db", db, "--port", String(ui.started.port)], dir);
      assert.equal(busy.status, 2);
      assert.match(busy.stderr, new RegExp(`--port ${ui.started.port}: already in use on 127\\.0\\.0\\.1`));
    } finally {
      await ui.stop();
    }
    const away = nfx(["ui", "--db", db, "--port", "0", "--host", "10.255.255.1"], dir);
    assert.equal(away.status, 2);
    assert.match(away.stderr, /--host 10\.255\.255\.1: not an address of this machine/);
  });

  it("a missing store fails at start with the line nfx runs gives, creating nothing", () => {
    const res = nfx(["ui", "--db", "missing.db", "--port", "0"], dir);
    assert.notEqual(res.status, 0);
    assert.match(res.stderr, /missing\.db: no such store/);
    assert.ok(!fs.existsSync(path.join(dir, "missing.db")), "nothing created");
  });
});

describe("notes and tags", () => {
  // A copy: the store above must stay byte-identical.
  const notesDb = path.join(dir, "notes.db");
  fs.copyFileSync(db, notesDb);
  const run = (args: string[]) => nfx([...args, "--db", notesDb, "--json"], dir);

  it("nfx runs tag|note write them beside the run, outside its identity", () => {
    const hashes = () => (JSON.parse(run(["runs"]).stdout) as { config_hash: string }[]).map((r) => r.config_hash);
    const before = hashes();
    assert.deepEqual(JSON.parse(run(["runs", "tag", "1", "paper", "baseline"]).stdout), {
      id: 1,
      tags: ["baseline", "paper"],
    });
    assert.deepEqual(JSON.parse(run(["runs", "tag", "1", "paper", "--remove"]).stdout), { id: 1, tags: ["baseline"] });
    assert.deepEqual(JSON.parse(run(["runs", "note", "1", "lr too high"]).stdout), { id: 1, note: "lr too high" });
    assert.deepEqual(JSON.parse(run(["runs", "note", "1"]).stdout), { id: 1, note: "lr too high" });
    assert.deepEqual(hashes(), before, "no config hash changed");
    // `nfx runs` shows them: a tags column, ✎ for a note (its text in `nfx runs show`).
    const listed = nfx(["runs", "--db", notesDb], dir).stdout.split("\n");
    assert.match(listed[0] ?? "", /\btags$/);
    assert.match(listed.find((l) => l.startsWith("1 ")) ?? "", /baseline ✎$/);
    assert.match(nfx(["runs", "show", "1", "--db", notesDb], dir).stdout, /\nnotes\ntags: baseline\nnote: lr too high/);
    assert.deepEqual(JSON.parse(run(["runs", "show", "1"]).stdout).notes, { note: "lr too high", tags: ["baseline"] });
    const bad = run(["runs", "tag", "1", "two words"]);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /tag 'two words': 1–64 letters/);
    assert.equal(run(["runs", "note", "99", "x"]).status, 2);
  });

  it("the dashboard shows them, and writes them only through its page's own POST", async () => {
    const ui = await startUi(["--db", notesDb], dir);
    try {
      const base = ui.started.url;
      const page = (await get(`${base}api/runs/1`)).body as { notes: unknown; writable: boolean };
      assert.deepEqual(page.notes, { note: "lr too high", tags: ["baseline"] });
      assert.equal(page.writable, true);
      const rows = ((await get(`${base}api/runs-page`)).body as { rows: { id: number; tags: string[] }[] }).rows;
      assert.deepEqual(rows.find((r) => r.id === 1)?.tags, ["baseline"]);
      const body = JSON.stringify({ add: ["from-ui"], note: "" });
      // A cross-site form post: no custom header, a form content type.
      const form = await fetch(`${base}api/runs/1/notes`, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body,
      });
      assert.equal(form.status, 403);
      const ok = await get(`${base}api/runs/1/notes`, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-Nfx-Write": "1" },
        body,
      });
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      assert.deepEqual(ok.body, { id: 1, note: null, tags: ["baseline", "from-ui"] });
      assert.deepEqual(JSON.parse(run(["runs", "tag", "1"]).stdout), { id: 1, tags: ["baseline", "from-ui"] });
      const badTag = await get(`${base}api/runs/1/notes`, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-Nfx-Write": "1" },
        body: JSON.stringify({ add: ["a,b"] }),
      });
      assert.equal(badTag.status, 400);
      assert.equal((await fetch(`${base}api/runs/1`, { method: "POST" })).status, 405);
    } finally {
      await ui.stop();
    }
  });
});

/** Runs as nobody (setpriv) when the tests run as root, who could write anywhere; null when that is not possible. */
function asNobody(): string[] | null {
  if (process.getuid?.() !== 0) return [];
  const setpriv = ["/usr/bin/setpriv", "/bin/setpriv"].find((p) => fs.existsSync(p));
  if (!setpriv) return null;
  const prefix = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"];
  const probe = spawnSync(setpriv, [
    ...prefix.slice(1),
    process.execPath,
    "-e",
    // The store's directory, and nfx itself: a checkout in a private directory (a CI's mktemp -d) nobody cannot read.
    `const fs = require("fs"); fs.accessSync(${JSON.stringify(db)}.replace(/[^/]*$/, "")); ` +
      `fs.accessSync(${JSON.stringify(path.resolve("dist/commands/ui.js"))})`,
  ]);
  return probe.status === 0 ? prefix : null;
}

describe("nfx ui on a store this user cannot write", () => {
  const roDir = path.join(dir, "readonly");
  fs.mkdirSync(roDir);
  const roDb = path.join(roDir, "ro.db");
  fs.copyFileSync(db, roDb);
  fs.chmodSync(roDb, 0o444);
  fs.chmodSync(roDir, 0o555);
  fs.chmodSync(dir, 0o755);
  const prefix = asNobody();
  after(() => fs.chmodSync(roDir, 0o755));

  it("serves it, unchanged, and says notes cannot be written there", { skip: prefix === null }, async () => {
    const hash0 = storeHash(roDb);
    const ui = await startUi(["--db", roDb], dir, prefix ?? []);
    try {
      const base = ui.started.url;
      const runs = (await get(`${base}api/runs`)).body as unknown[];
      assert.equal(runs.length, 4);
      assert.equal(((await get(`${base}api/runs/1`)).body as { writable: boolean }).writable, false);
      const write = await get(`${base}api/runs/1/notes`, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-Nfx-Write": "1" },
        body: JSON.stringify({ add: ["x"] }),
      });
      assert.equal(write.status, 403);
      assert.match((write.body as { error: string }).error, /read-only for this user/);
    } finally {
      await ui.stop();
    }
    assert.equal(storeHash(roDb), hash0);
    assert.deepEqual(fs.readdirSync(roDir), ["ro.db"], "no side file made beside it");
  });
});
