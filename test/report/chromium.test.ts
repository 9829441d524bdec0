// The HTML report in a real browser: Debian's headless Chromium opens it offline, every figure renders, the console
// stays silent, and a screenshot is taken. Skipped, saying so, only where no Chromium is installed.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { PNG } from "pngjs";
import { buildReport } from "../../src/experiments/report/buildReport.js";
import { addConstructedRuns, SUPPORTS } from "../figures/constructedStore.js";
import { tempDir } from "../helpers.js";
import { coloredPixels } from "../plot/schema.js";

function findChromium(): string | null {
  for (const candidate of [process.env.CHROMIUM_BIN, "/usr/bin/chromium", "/usr/bin/chromium-browser"]) {
    if (candidate && fs.existsSync(candidate)) return candidate;
  }
  return null;
}

const chromium = findChromium();

function headless(userDataDir: string, args: string[]) {
  return spawnSync(
    chromium as string,
    [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
      `--user-data-dir=${userDataDir}`,
      "--enable-logging=stderr",
      "--v=0",
      // Lets vega-embed finish rendering before the DOM is dumped or the screenshot taken.
      "--virtual-time-budget=15000",
      ...args,
    ],
    // The DOM of ten rendered charts is over spawnSync's default 1 MiB of output.
    { encoding: "utf8", timeout: 90_000, maxBuffer: 64 * 1024 * 1024 },
  );
}

describe("the HTML report in headless Chromium", () => {
  it("renders every figure offline with no console message, and screenshots", {
    skip: chromium ? false : "chromium is not installed (apt-get install -y chromium); .ci/run installs it",
  }, async () => {
    const dir = tempDir();
    const db = path.join(dir, "nfx.db");
    for (const [figure, top1Of] of Object.entries(SUPPORTS)) addConstructedRuns(db, figure, top1Of);
    const written = await buildReport({ preset: "quick", db, out: path.join(dir, "report"), formats: ["json"] });
    const url = `file://${written.html}`;

    const dom = headless(path.join(dir, "profile-dom"), ["--dump-dom", url]);
    assert.equal(dom.status, 0, dom.stderr);
    const charts = (dom.stdout.match(/<svg[^>]*class="marks"/g) ?? []).length;
    assert.equal(charts, 10, "one rendered figure beside each of the 10 claims");
    assert.doesNotMatch(dom.stdout, /<div id="figure-\d+">figure failed/);
    const console = dom.stderr.split("\n").filter((l) => /:CONSOLE[:(]/.test(l));
    assert.deepEqual(console, [], "console messages");

    const shot = path.join(dir, "report.png");
    const res = headless(path.join(dir, "profile-shot"), [`--screenshot=${shot}`, "--window-size=1280,2400", url]);
    assert.equal(res.status, 0, res.stderr);
    const png = PNG.sync.read(fs.readFileSync(shot));
    assert.equal(png.width, 1280);
    assert.ok(coloredPixels(png) > 2000, "the screenshot shows colored verdicts and chart marks");
    if (process.env.NFX_KEEP_SCREENSHOT) fs.copyFileSync(shot, process.env.NFX_KEEP_SCREENSHOT);
  });
});
