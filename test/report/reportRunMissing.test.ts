// Issue 16 item 2: `nfx report --run-missing` from an empty store: one sweep over the union of the figures' preset
// runs (a run two figures share is trained once), resumed after an interruption, nothing trained a second time.
// Tiny synthetic presets stand in for configs/*.quick.yaml (they would take minutes).
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { RunStore } from "../../src/core/store/runStore.js";
import { reportSweepRuns, runReport } from "../../src/experiments/report/reportSweep.js";
import { corruptImageFolder, tempDir, writeFile } from "../helpers.js";
import { tinyPresets } from "./tinyPresets.js";

function doneRuns(db: string): number {
  const store = RunStore.open(db, { readonly: true });
  try {
    return store
      .listRuns()
      .filter((r) => r.status === "completed" || r.status === "collapsed" || r.status === "diverged").length;
  } finally {
    store.close();
  }
}

describe("nfx report --run-missing (issue 16)", () => {
  it("the union of the presets runs each shared run once", () => {
    const u = reportSweepRuns("quick", tinyPresets());
    assert.equal(u.runs.length, 14);
    assert.equal(new Set(u.runs.map((r) => r.hash)).size, 14);
    assert.deepEqual(
      u.figures.map((f) => [f.figure, f.runs, f.shared]),
      [
        ["fig2a", 8, 0],
        ["fig2b", 8, 4],
        ["granularity", 2, 2],
        ["exclusions", 4, 2],
        ["optimizers", 2, 2],
      ],
    );
  });

  it("empty store → report in one sweep; interrupted, the same call continues; again, it trains nothing", async () => {
    const presetsDir = tinyPresets();
    const dir = tempDir();
    const db = path.join(dir, "nfx.db");
    const out = path.join(dir, "report");
    const base = {
      preset: "quick" as const,
      db,
      out,
      presetsDir,
      backend: "wasm" as const,
      jobs: 1,
      formats: ["json" as const],
    };
    const stop = new AbortController();
    let ended = 0;
    let sweeps = 0;
    const events = {
      sweepStart: () => sweeps++,
      runEnd: () => {
        if (++ended === 3) stop.abort();
      },
    };
    await assert.rejects(
      runReport({ ...base, events, signal: stop.signal }),
      /report: interrupted after 3 of the 14 runs/,
    );
    assert.equal(sweeps, 1, "one sweep (one progress bar) for all the figures");
    const first = doneRuns(db);
    assert.equal(first, 3);
    assert.equal(fs.existsSync(path.join(out, "report.md")), false, "no report from an interrupted call");

    const second = await runReport(base);
    assert.equal(second.ran, 14 - first, "continues where it stopped");
    assert.equal(doneRuns(db), 14);
    assert.ok(fs.existsSync(path.join(out, "report.md")));
    assert.equal(second.report.figures.find((f) => f.figure === "fig2a")?.runs, 8);

    const third = await runReport(base);
    assert.equal(third.ran, 0, "a second call trains nothing");

    // Why: the report shows per-role clip fractions and the skip gains' size of every group of seeds.
    const md = fs.readFileSync(path.join(out, "report.md"), "utf8");
    assert.match(md, /\*\*Why\*\* — clip fractions over training and the skip gains' size/);
    assert.match(md, /\| B · λ \| runs \| clip skip_gain \|.*\| abs\(skip gain\) end \(mean\) \|/);
    // Under AGC every skip gain is clipped every step (its limit starts at λ·ε); unclipped, nothing is.
    assert.match(md, /\| B=8 · λ=0\.01 \| 2 \(2 \w+\) \| 100\.0% \|/);
    assert.match(md, /\| B=8 · λ=none \| 2 \(2 \w+\) \| — \|/);

    // --add-seeds: the seeds the undecided comparisons ask for, within the budget, counted by the report.
    // --add-seeds: comparisons it cannot serve are named with the reason (an arm without runs, too many seeds).
    const seeded = await runReport({ ...base, addSeedsBudget: 20 });
    const seeds = seeded.seeds;
    assert.ok(seeds);
    assert.equal(seeded.ran, seeds.runs.length, "exactly the planned seeds were trained");
    assert.ok(seeds.skipped.some((s) => /^no run of BN-ResNet to add seeds to$/.test(s.reason)));
  });

  it("runs that fail are named, with what to do, in the result (the command exits 1 on it)", async () => {
    const presetsDir = tinyPresets();
    const dir = tempDir();
    // fig2b's runs train on a folder with one file that is not an image: they fail while training.
    const root = corruptImageFolder(dir);
    writeFile(
      presetsDir,
      "fig2b.quick.yaml",
      `name: fig2b.quick\nmodel: { name: nf-resnet-micro }\ndata: { name: imagefolder, path: ${root} }\n` +
        "train: { steps: 1, batch_size: 4 }\noptim: { lr: 0.2, warmup_epochs: 0 }\nseeds: 1\n" +
        "grid:\n  agc.lambda: [0.01, 0.16]\n",
    );
    const db = path.join(dir, "nfx.db");
    const r = await runReport({
      preset: "quick",
      db,
      out: path.join(dir, "report"),
      presetsDir,
      backend: "wasm",
      jobs: 1,
      formats: ["json"],
    });
    assert.match(
      r.failed ?? "",
      /^2 of \d+ runs failed: run \d+ \(\w+\), run \d+ \(\w+\): .*bad\.png is neither a PNG nor a JPEG/,
    );
    assert.match(r.failed ?? "", /nfx sweep configs\/<figure>\.quick\.yaml --retry-failed/);
  });
});
