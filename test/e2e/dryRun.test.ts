// The three dry runs through the built CLI — `nfx sweep --dry-run`, `nfx figure NAME --dry-run`, `nfx report
// --run-missing --dry-run` — print the runs to train with their steps, images and an estimated time on this machine,
// say what it came from, and --json gives the numbers; nothing is trained and no store is written.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { tempDir, testBackend, writeFile } from "../helpers.js";
import { nfx, tinySweep } from "./sweepHelpers.js";

interface Cost {
  planned: number;
  settled: number;
  workers: number;
  steps: number;
  images: number;
  seconds: number | null;
  machine: { backend: string; cores: number };
  runs: {
    index: number;
    steps: number;
    images: number;
    seconds: number;
    basis: { kind: string; run_ids?: number[] };
  }[];
}

const backend = ["--backend", testBackend()];

describe("dry runs: cost before running", () => {
  it("nfx sweep --dry-run: calibrated from an empty store, then timed by the stored runs it names", () => {
    const dir = tempDir();
    const file = writeFile(dir, "tiny.yaml", tinySweep({ steps: 3, seeds: 2 }));
    const dry = nfx(["sweep", file, "--dry-run", "--db", "s.db", "--jobs", "2", ...backend], dir);
    assert.equal(dry.status, 0, dry.stderr);
    assert.match(dry.stdout, /steps\s+images\s+time/);
    assert.match(dry.stdout, /tiny: 4 runs to train of 4 \(0 in the store\): 12 steps, 96 images/);
    assert.match(dry.stdout, /estimated time: ≈ \S+ on \w+, .* 2 workers at once/);
    assert.match(dry.stdout, /4 runs timed from calibrated: nf-resnet-micro at batch 8, \d+ images\/s/);
    assert.equal(fs.existsSync(path.join(dir, "s.db")), false, "a dry run writes no store");

    assert.equal(nfx(["sweep", file, "--db", "s.db", "--out", "figs", ...backend], dir).status, 0);
    // Twice the steps: new runs, timed by the 4 stored ones of the same model and batch on this machine.
    const longer = ["--set", "train.steps=6", "--dry-run", "--json", "--jobs", "1"];
    const json = nfx(["sweep", file, "--db", "s.db", ...longer, ...backend], dir);
    assert.equal(json.status, 0, json.stderr);
    const { runs, estimate } = JSON.parse(json.stdout) as { runs: unknown[]; estimate: Cost };
    assert.equal(runs.length, 4);
    assert.deepEqual([estimate.planned, estimate.settled, estimate.workers], [4, 0, 1]);
    assert.deepEqual([estimate.steps, estimate.images], [24, 192]);
    for (const r of estimate.runs) {
      assert.equal(r.basis.kind, "stored-steps");
      assert.deepEqual(r.basis.run_ids, [1, 2, 3, 4]);
    }
    const total = estimate.runs.reduce((a, r) => a + r.seconds, 0);
    assert.ok(Math.abs((estimate.seconds ?? 0) - total) < 1e-9, "one worker: the runs one after another");
  });

  it("nfx figure fig2b --preset quick --dry-run: its 26 runs' steps and images, with --json the numbers", () => {
    const dir = tempDir();
    const text = nfx(["figure", "fig2b", "--preset", "quick", "--dry-run", "--db", "e.db", ...backend], dir);
    assert.equal(text.status, 0, text.stderr);
    assert.match(
      text.stdout,
      /fig2b \(configs\/fig2b\.quick\.yaml\): 26 runs to train of 26 \(0 in the store\): 8,540 steps, 1,548,800 images/,
    );
    assert.match(text.stdout, /estimated time: ≈ /);
    // The preset's pilots say which runs stop early (its early_stops): timed to there, the rest at all their steps.
    assert.match(text.stdout, /\(8,036 steps expected: see below\)/);
    assert.match(text.stdout, /6 runs timed to an early stop: the sweep file's early_stops: pilots: no clipping/);
    assert.match(text.stdout, /agc\.lambda=none seed=0 +8 of 58 /);
    assert.match(text.stdout, /the other runs counted at all their steps/);
    const json = nfx(
      ["figure", "fig2b", "--preset", "quick", "--dry-run", "--json", "--db", "e.db", "--jobs", "1", ...backend],
      dir,
    );
    const cost = JSON.parse(json.stdout) as Cost & { figure: string; sweep_file: string };
    assert.equal(cost.sweep_file, "configs/fig2b.quick.yaml");
    assert.deepEqual(new Set(cost.runs.map((r) => r.steps)), new Set([58, 937]));
    assert.equal((cost as unknown as { expected_steps: number }).expected_steps, 8036);
    assert.equal(cost.workers, 1);
    assert.ok((cost.seconds ?? 0) > 0);
    assert.equal(fs.existsSync(path.join(dir, "e.db")), false);
    const curves = nfx(["figure", "curves", "--dry-run", "--db", "e.db"], dir);
    assert.notEqual(curves.status, 0);
    assert.match(curves.stderr, /curves: --dry-run: this figure trains no runs of its own/);
  });

  it("nfx report --run-missing --dry-run: the union of the figures' runs, each once; --dry-run alone is refused", () => {
    const dir = tempDir();
    const r = nfx(["report", "--run-missing", "--dry-run", "--json", "--db", "e.db", ...backend], dir);
    assert.equal(r.status, 0, r.stderr);
    const cost = JSON.parse(r.stdout) as Cost & { figures: { figure: string; runs: number; shared: number }[] };
    const unique = cost.figures.reduce((a, f) => a + f.runs - f.shared, 0);
    assert.equal(cost.planned, unique);
    assert.equal(cost.runs.length, unique, "an empty store: every run to train");
    assert.ok(cost.seconds !== null && cost.seconds > 0);
    const alone = nfx(["report", "--dry-run", "--db", "e.db"], dir);
    assert.notEqual(alone.status, 0);
    assert.match(alone.stderr, /run-missing/);
  });
});
