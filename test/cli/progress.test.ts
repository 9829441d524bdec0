// Sweep progress on a terminal and in logs (issue 27 items 13 and 18): a resumed run's speed counts the steps this
// attempt trained, its time is the whole training time with this attempt's beside it; a worker's live line fits an
// 80-column terminal and keeps the point being trained.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { SweepEvents } from "../../src/core/sweep/events.js";
import type { ExpandedRun } from "../../src/core/sweep/expand.js";
import { liveLine, shortPointLabel } from "../../src/ui/liveLine.js";
import { sweepJsonProgress, sweepProgress } from "../../src/ui/progress.js";

// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escapes are what is stripped
const plain = (s: string) => s.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "");

function fakeStream(tty: boolean, columns = 80) {
  const out: string[] = [];
  const stream = { isTTY: tty, columns, write: (s: string) => out.push(s) === 0 } as unknown as NodeJS.WriteStream;
  return { stream, text: () => plain(out.join("")) };
}

// The kind of point: four axes, 64 characters as written.
const POINT = { "train.batch_size": 32, "agc.granularity": "layer", "agc.lambda": 0.04, seed: 1 };
const run = { index: 32, point: POINT, config: {}, hash: "0123456789abcdef" } as unknown as ExpandedRun;

const end = (over: Partial<Parameters<NonNullable<SweepEvents["runEnd"]>>[0]> = {}) => ({
  run,
  id: 33,
  slot: 0,
  status: "completed" as const,
  testTop1: 0.5,
  finalLoss: 1.25,
  seconds: 6.2,
  totalSeconds: 23.4,
  stepsTrained: 20,
  error: null,
  ...over,
});

describe("a resumed run's progress", () => {
  it("ends with this attempt's rate (steps it trained / its time) and the whole training time", () => {
    const { stream, text } = fakeStream(false);
    const p = sweepProgress(stream);
    p.runStart?.({
      run,
      id: 33,
      slot: 0,
      position: 0,
      todo: 1,
      stepsTotal: 80,
      resumed: { step: 60, file: "c", skipped: [] },
    } as never);
    p.runEnd?.(end());
    const line =
      text()
        .split("\n")
        .find((l) => l.includes("completed")) ?? "";
    assert.match(line, / 3\.2 step\/s {2}23s \(6s this attempt\)$/, line);
    assert.doesNotMatch(line, /12\.\d step\/s/, "80 steps / 6.2 s is not this attempt's rate");
  });

  it("an unresumed run shows one time and its rate", () => {
    const { stream, text } = fakeStream(false);
    const p = sweepProgress(stream);
    p.runEnd?.(end({ seconds: 8, totalSeconds: 8.1, stepsTrained: 80 }));
    assert.match(text(), / 10\.0 step\/s {2}8s\n$/);
  });

  it("--progress jsonl carries this attempt's seconds, the total and the steps trained", () => {
    const { stream, text } = fakeStream(false);
    sweepJsonProgress(stream).runEnd?.(end());
    const e = JSON.parse(text()) as Record<string, unknown>;
    assert.equal(e.seconds, 6.2);
    assert.equal(e.total_seconds, 23.4);
    assert.equal(e.steps_trained, 20);
  });

  it("a live line's rate after a resume counts only this attempt's steps", async () => {
    const { stream, text } = fakeStream(true, 200);
    const p = sweepProgress(stream);
    p.sweepStart?.({ sweepId: 1, total: 1, todo: 1, skipped: 0, elsewhere: 0, orphans: [], jobs: 1 });
    p.runStart?.({
      run,
      id: 33,
      slot: 0,
      position: 0,
      todo: 1,
      stepsTotal: 1000,
      resumed: { step: 900, file: "c", skipped: [] },
    } as never);
    await new Promise((r) => setTimeout(r, 300));
    p.runStep?.({ id: 33, slot: 0, step: 900, stepsTotal: 1000, metrics: { loss: 1 } });
    p.runEnd?.(end()); // forces a redraw after the step
    const rates = [...text().matchAll(/(\d+\.\d) step\/s/g)].map((m) => Number(m[1]));
    // One step in ≥ 0.3 s: at most ~3.3 step/s, where counting from step 0 gives ≥ 3000.
    assert.ok(rates.length > 0 && rates.every((r) => r < 10), `rates ${rates}`);
  });
});

describe("a worker's live line", () => {
  const input = {
    slot: 1,
    id: 33,
    label: Object.entries(POINT)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(" "),
    shortLabel: shortPointLabel(POINT),
    step: 120,
    stepsTotal: 200,
    loss: 1.2345,
    rate: 12.3,
  };

  it("fits 80 columns and keeps the whole point (keys shortened before anything is cut)", () => {
    const line = plain(liveLine(input, 80));
    assert.ok(line.length <= 79, `${line.length}: ${line}`);
    assert.match(line, /batch_size=32 granularity=layer lambda=0\.04 seed=1/);
    assert.match(line, /120\/200/);
  });

  it("cuts only a point too long for any layout, and keeps its step count", () => {
    const long = { ...POINT, "optim.weight_decay": 0.00005, "model.dropout": 0.25, "train.label_smoothing": 0.1 };
    const line = plain(liveLine({ ...input, shortLabel: shortPointLabel(long) }, 80));
    assert.equal(line.length, 79, line);
    assert.match(line, /^w1 run 33 batch_size=32 granularity=layer lambda=0\.04 seed=1 .*… 120\/200$/);
  });

  it("shows bar, loss and speed when the terminal is wide, and fits every width", () => {
    const wide = plain(liveLine(input, 160));
    assert.match(wide, /train\.batch_size=32 .* seed=1 [█░]{16} 120\/200 {2}loss 1\.23\d {2}12\.3 step\/s$/);
    for (let columns = 20; columns <= 160; columns++) {
      const line = plain(liveLine(input, columns));
      assert.ok(line.length <= Math.max(columns - 1, 35), `${columns} columns: ${line.length}`);
      assert.match(line, /^w1 run 33 /);
    }
  });

  it("keeps full keys where their last parts clash", () => {
    assert.equal(
      shortPointLabel({ "model.name": "a", "data.name": "b", "agc.lambda": 0.01 }),
      "model.name=a data.name=b lambda=0.01",
    );
  });

  it("in an 80-column terminal, the drawn block never wraps", () => {
    const { stream, text } = fakeStream(true, 80);
    const p = sweepProgress(stream);
    p.sweepStart?.({ sweepId: 1, total: 60, todo: 60, skipped: 0, elsewhere: 0, orphans: [], jobs: 2 });
    p.runStart?.({ run, id: 33, slot: 0, position: 0, todo: 60, stepsTotal: 200, resumed: null } as never);
    p.runStep?.({ id: 33, slot: 0, step: 10, stepsTotal: 200, metrics: { loss: 2 } });
    const drawn = text()
      .split("\n")
      .filter((l) => /^w0 run 33 /.test(l));
    assert.ok(drawn.length > 0);
    for (const l of drawn) {
      assert.ok(l.length <= 79, l);
      assert.match(l, /lambda=0\.04/);
    }
  });
});
