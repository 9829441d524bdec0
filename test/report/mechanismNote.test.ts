// The "Why" note under a report's mechanism table explains the runs' own skip-gain init: the "a small λ keeps the
// residual branches shut" reading only for skip gains that start at 0 (their clip limit is λ·ε).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type MechanismTable, mechanismNote } from "../../src/experiments/report/mechanism.js";

const table = (skipGainInits: number[]): MechanismTable => ({ keys: ["λ"], roles: [], rows: [], skipGainInits });

describe("mechanism note (issue 16)", () => {
  it("skip gains from 0: says a small λ keeps the branches shut, and names the init", () => {
    const note = mechanismNote(table([0]));
    assert.match(note, /skip gains \(initialised at 0\)/);
    assert.match(note, /a small λ keeps the residual branches shut/);
  });

  it("skip gains from 1: does not claim they are pinned", () => {
    const note = mechanismNote(table([1]));
    assert.match(note, /skip gains \(initialised at 1\)/);
    assert.doesNotMatch(note, /zero-initialised|branches shut/);
    assert.match(note, /not pinned/);
  });

  it("no skip gains (BN-ResNet only): no init named, no mechanism claimed", () => {
    const note = mechanismNote(table([]));
    assert.doesNotMatch(note, /initialised|branches shut|pinned/);
  });
});
