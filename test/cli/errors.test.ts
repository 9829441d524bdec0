// How a failure reads: one line and an exit status that --json does not change (src/ui/errors.ts).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Errors } from "@oclif/core";
import { argvWantsJson, describeFailure, failWith, NfxError } from "../../src/ui/errors.js";

describe("describeFailure", () => {
  it("nfx's errors: their line, status 2; failWith keeps the first line of any error", () => {
    assert.deepEqual(describeFailure(new NfxError("x.db: no such store")), {
      message: "x.db: no such store",
      exitStatus: 2,
    });
    let thrown: unknown;
    try {
      failWith(undefined as never, new Error("first line\n  detail the user does not need"));
    } catch (err) {
      thrown = err;
    }
    assert.ok(thrown instanceof NfxError);
    assert.equal(thrown.message, "first line");
    assert.ok(thrown.cause instanceof Error, "the original error is kept as the cause (NFX_DEBUG prints it)");
    const exit = new Errors.ExitError(130);
    assert.throws(
      () => failWith(undefined as never, exit),
      (e) => e === exit,
      "oclif's exits pass through",
    );
  });

  it("oclif's errors: one line without the help paragraphs, oclif's status; exits say nothing", () => {
    const parse = Object.assign(
      new Errors.CLIError(
        'Missing 1 required arg:\nconfig  sweep file (YAML)\n\nNote: --set allows multiple values. Because of this…\nAlternatively, you can use "--"…\nSee more help with --help',
      ),
      { parse: {}, args: [{ name: "config", description: "sweep file (YAML)" }] },
    );
    assert.deepEqual(describeFailure(parse, "nfx sweep --help"), {
      message: "Missing 1 required arg: config (sweep file (YAML)) (see nfx sweep --help)",
      exitStatus: 2,
    });
    const flag = Object.assign(new Errors.CLIError("Parsing --jobs \n\tExpected an integer but received: x"), {});
    assert.equal(describeFailure(flag).message, "Parsing --jobs: Expected an integer but received: x");
    const failed = new Errors.CLIError(
      "The following error occurred:\n  \u001b[2m--a=x cannot also be provided\u001b[22m",
    );
    assert.equal(describeFailure(failed).message, "--a=x cannot also be provided");
    const required = new Errors.CLIError(
      "The following error occurred:\n  Missing required flag x\nSee more help with --help",
    );
    assert.equal(describeFailure(required).message, "Missing required flag --x");
    assert.deepEqual(describeFailure(new Errors.ExitError(130)), { message: null, exitStatus: 130 });
  });

  it("unexpected exceptions: their first line, status 1", () => {
    assert.deepEqual(describeFailure(new TypeError("Cannot read properties of undefined\n    at f (x.js:1:1)")), {
      message: "Cannot read properties of undefined",
      exitStatus: 1,
    });
    assert.deepEqual(describeFailure("a string"), { message: "a string", exitStatus: 1 });
  });

  it("--json counts before a `--` only", () => {
    assert.equal(argvWantsJson(["runs", "--json"]), true);
    assert.equal(argvWantsJson(["query", "--", "--json"]), false);
    assert.equal(argvWantsJson(["runs"]), false);
  });
});
