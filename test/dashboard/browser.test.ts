// The dashboard in headless Chromium (Debian's, driven by playwright-core): each view loads on a quick-start
// store without a console error; the runs filter keeps what `nfx runs --where` keeps; a run's page draws its
// curves; Compare shows the config diff; a sweep run by another process appears within 2 s; the static export
// opens from file://; the first page of a 10,000-run store renders in under 1 s. With NFX_UI_SCREENSHOTS=DIR
// (docs/ui) the views' screenshots are written there.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { type Browser, chromium, type Page } from "playwright-core";
import { type Dashboard, startDashboard } from "../../src/dashboard/server.js";
import { nfx, nfxBackground, peek, tinySweep } from "../e2e/sweepHelpers.js";
import { tempDir, testBackend } from "../helpers.js";
import { quickStore, storeHash } from "./dashboardHelpers.js";
import { tenThousandRuns } from "./largeStore.js";

const CHROMIUM = "/usr/bin/chromium";
const skip = fs.existsSync(CHROMIUM) ? false : `needs Debian's chromium at ${CHROMIUM}`;
const shots = process.env.NFX_UI_SCREENSHOTS;

/** A page that records every console error and uncaught exception. */
async function openPage(browser: Browser): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(e.message));
  return { page, errors };
}

/** Opens `hash` and waits until its view says it loaded (and its charts drew). */
async function view(page: Page, base: string, hash: string): Promise<void> {
  await page.goto(`${base}#${hash}`);
  await page.waitForSelector("[data-loaded]", { timeout: 20_000 });
  // Page code as text: the tests compile without the DOM's types.
  await page.waitForFunction('[...document.querySelectorAll(".chart")].every((c) => c.querySelector("svg"))', null, {
    timeout: 20_000,
  });
}

/** Where screenshots go: NFX_UI_SCREENSHOTS, else one temporary folder. */
let shotsDir: string | undefined;

async function shot(page: Page, name: string): Promise<void> {
  shotsDir ??= shots ?? tempDir("nfx-ui-shots-");
  const file = path.join(shotsDir, `${name}.png`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await page.screenshot({ path: file, fullPage: true });
  assert.ok(fs.statSync(file).size > 1000, file);
}

describe("nfx ui in a browser", { skip }, () => {
  const { dir, db } = quickStore();
  let browser: Browser;
  let dash: Dashboard;
  before(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM });
    dash = await startDashboard({ db, port: 0 });
  });
  after(async () => {
    await dash?.close();
    await browser?.close();
  });

  it("each view loads without console errors, and browsing leaves the store unchanged", async () => {
    const hash0 = storeHash(db);
    const { page, errors } = await openPage(browser);
    const views: [string, string][] = [
      ["runs", "/runs"],
      ["groups", "/runs?by=agc.lambda"],
      ["run", "/run/1"],
      ["compare", "/compare?ids=1,2,3,4"],
      ["sweeps", "/sweeps"],
      ["sweep", "/sweep/1"],
      ["figures", "/figures"],
      ["report", "/report"],
      ["sql", "/sql"],
    ];
    for (const [name, hash] of views) {
      await view(page, dash.url, hash);
      assert.equal(await page.getAttribute("[data-loaded]", "data-loaded"), "true", name);
      await shot(page, name);
    }
    // The sweep's own figure (as `nfx sweep` draws it) is drawn on its page, its title naming the sweep.
    await view(page, dash.url, "/sweep/1");
    await page.waitForSelector("#sweep-figure .chart[data-drawn='true'] svg", { timeout: 20_000 });
    assert.match((await page.textContent("#sweep-figure svg")) ?? "", /nfx sweep: /);
    assert.deepEqual(errors, []);
    assert.equal(storeHash(db), hash0);
    await page.close();
  });

  it("the runs filter keeps what nfx runs --where keeps", async () => {
    const { page, errors } = await openPage(browser);
    await view(page, dash.url, "/runs");
    for (const where of ["agc.lambda = 0.01", "seed = 1 and agc.lambda is null", "test_top1 >= 0"]) {
      await page.fill("#where", where);
      await page.press("#where", "Enter");
      // The view the filter opened has loaded: its hash carries the filter, and it is the page's hash now.
      await page.waitForFunction(
        `(() => {
          const root = document.querySelector("#view > [data-loaded]");
          const hash = root ? root.dataset.hash : "";
          return hash === location.hash && new URLSearchParams(hash.split("?")[1]).get("where") === ${JSON.stringify(where)};
        })()`,
      );
      const shown = await page.$$eval("tr[data-run]", (rows) => rows.map((r) => Number(r.getAttribute("data-run"))));
      const res = nfx(["runs", "--where", where, "--db", db, "--json"], dir);
      const cli = (JSON.parse(res.stdout) as { id: number }[]).map((r) => r.id);
      assert.deepEqual(shown, cli, where);
    }
    assert.deepEqual(errors, []);
    await page.close();
  });

  it("a run's page draws its curves; compare shows the config diff", async () => {
    const { page, errors } = await openPage(browser);
    await view(page, dash.url, "/run/1");
    const lines = await page.$$eval(".chart svg path[aria-roledescription='line mark']", (p) => p.length);
    assert.ok(lines >= 5, `${lines} curves drawn`);
    await view(page, dash.url, "/compare?ids=1,2,3,4");
    const differs = await page.$$eval("#config-diff tr.differs td:first-child", (tds) => tds.map((t) => t.textContent));
    // λ = null is no clipping: its granularity reads none (config/resolve.ts), so that key differs too.
    assert.deepEqual(differs.sort(), ["agc.granularity", "agc.lambda", "seed"]);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it("a write through the SQL box is refused, on the page", async () => {
    const { page } = await openPage(browser);
    await view(page, dash.url, "/sql");
    await page.fill("#sql", "DELETE FROM runs");
    await page.click("#run-sql");
    const text = await page.textContent("#sql-out .error", { timeout: 10_000 });
    assert.match(text ?? "", /read-only: refusing 'DELETE'/);
    assert.equal((peek<{ n: number }>(db, "SELECT count(*) AS n FROM runs")[0] as { n: number }).n, 4);
    await page.close();
  });

  it("a sweep started in another process appears within 2 s of being stored", async () => {
    const { page, errors } = await openPage(browser);
    await view(page, dash.url, "/sweeps");
    fs.writeFileSync(
      path.join(dir, "live.yaml"),
      tinySweep({ steps: 3, lambdas: [0.02], seeds: 1 }).replace("tiny", "live"),
    );
    const sweep = nfxBackground(["sweep", "live.yaml", "--db", db, "--backend", testBackend(), "--quiet"], dir);
    const seen = page.waitForSelector("tr[data-sweep] >> text=live", { timeout: 60_000 }).then(() => Date.now());
    let stored = 0;
    while (!stored) {
      if (peek(db, "SELECT id FROM sweeps WHERE name = 'live'").length) stored = Date.now();
      else await new Promise((r) => setTimeout(r, 20));
    }
    const shownAt = await seen;
    process.stdout.write(`# a sweep of another process shown ${shownAt - stored} ms after it was stored\n`);
    assert.ok(shownAt - stored < 2000, `shown ${shownAt - stored} ms after it was stored`);
    await sweep.done;
    assert.deepEqual(errors, []);
    await page.close();
  });

  it("--export writes a snapshot that opens from file:// without a server", async () => {
    const out = path.join(dir, "snapshot");
    const res = nfx(["ui", "--export", out, "--db", db, "--json"], dir);
    assert.equal(res.status, 0, res.stderr);
    const { page, errors } = await openPage(browser);
    const base = `file://${out}/index.html`;
    await view(page, base, "/runs");
    assert.ok((await page.$$("tr[data-run]")).length >= 4);
    await view(page, base, "/run/1");
    assert.ok((await page.$$(".chart svg")).length >= 1);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it("a tag added on a run's page is stored (nfx runs tag sees it), and a note too", async () => {
    const { page, errors } = await openPage(browser);
    await view(page, dash.url, "/run/2");
    await page.fill("#tag-input", "looked-at");
    await page.press("#tag-input", "Enter");
    await page.waitForSelector("#tags >> text=looked-at");
    await page.fill("#note-input", "loss flat: lr too low?");
    await page.click("#save-note");
    await page.waitForFunction('document.querySelector("#note-input").value === "loss flat: lr too low?"');
    const tags = JSON.parse(nfx(["runs", "tag", "2", "--db", db, "--json"], dir).stdout);
    assert.deepEqual(tags, { id: 2, tags: ["looked-at"] });
    const note = JSON.parse(nfx(["runs", "note", "2", "--db", db, "--json"], dir).stdout);
    assert.deepEqual(note, { id: 2, note: "loss flat: lr too low?" });
    await view(page, dash.url, "/runs");
    assert.equal(await page.textContent("tr[data-run='2'] .tag"), "looked-at");
    assert.deepEqual(errors, []);
    await page.close();
  });
});

describe("a 10,000-run store", { skip }, () => {
  let browser: Browser;
  let dash: Dashboard;
  before(async () => {
    const db = path.join(tempDir("nfx-ui-large-"), "large.db");
    tenThousandRuns(db);
    browser = await chromium.launch({ executablePath: CHROMIUM });
    dash = await startDashboard({ db, port: 0 });
  });
  after(async () => {
    await dash?.close();
    await browser?.close();
  });

  it("renders the runs view's first page in under 1 s", async () => {
    const { page, errors } = await openPage(browser);
    await view(page, dash.url, "/sql"); // scripts loaded once, as a user's browser has them
    // Within the app (a hash change: the view asks the server for its page and draws it), and a cold load of the
    // whole page (a new document: scripts parsed, then the same).
    const warm: number[] = [];
    const cold: number[] = [];
    for (let i = 0; i < 3; i++) {
      for (const [times, url] of [
        [warm, `${dash.url}#/runs?sort=-test_top1&x=${i}`],
        [cold, `${dash.url}?load=${i}#/runs?sort=-test_top1`],
      ] as const) {
        const t0 = Date.now();
        await page.goto(url);
        await page.waitForSelector("#view-runs tr[data-run]");
        times.push(Date.now() - t0);
        assert.equal(await page.textContent("#count"), "10000 runs; 1–50");
      }
    }
    process.stdout.write(`# first page of 10,000 runs: in the app ${warm.join(", ")} ms; cold ${cold.join(", ")} ms\n`);
    assert.ok(Math.min(...warm) < 1000, `first page after ${warm.join(", ")} ms`);
    assert.ok(Math.min(...cold) < 1000, `first page of a cold load after ${cold.join(", ")} ms`);
    assert.deepEqual(errors, []);
    await page.close();
  });
});
