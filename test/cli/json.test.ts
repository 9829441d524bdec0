// --json through the real CLI (bin/run.js, dist/): every command prints exactly one JSON document on stdout
// (issue 15 item 10: `nfx export --json` printed the CSV and then a summary), and every kind of failure prints
// `{"error": {"message": <the one-line reason>}}` with the exit status it has without --json (issue 15 item 9:
// "EEXIT: 2", exit 1, and ~2,700 lines of oclif internals for an unknown flag).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { bin, root, tinySweep } from "../e2e/sweepHelpers.js";
import { tempDir, writeFile } from "../helpers.js";

interface Result {
  args: string[];
  status: number | null;
  stdout: string;
  stderr: string;
}

function nfxAsync(args: string[], cwd: string, command: string[] = [bin]): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...command, ...args], { cwd, env: { ...process.env, NFX_DB: "" } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += String(d);
    });
    child.stderr.on("data", (d) => {
      stderr += String(d);
    });
    child.on("close", (status) => resolve({ args, status, stdout, stderr }));
  });
}

/** Runs the commands a few at a time (each is mostly module loading). */
async function all(argvs: string[][], cwd: string, command?: string[]): Promise<Result[]> {
  const out: Result[] = [];
  for (let i = 0; i < argvs.length; i += 3) {
    out.push(...(await Promise.all(argvs.slice(i, i + 3).map((a) => nfxAsync(a, cwd, command)))));
  }
  return out;
}

/** stdout is exactly one JSON document (two documents, or text around one, do not parse). */
function oneDocument(r: Result): unknown {
  try {
    return JSON.parse(r.stdout);
  } catch (err) {
    assert.fail(`nfx ${r.args.join(" ")}: stdout is not one JSON document (${(err as Error).message}):\n${r.stdout}`);
  }
}

describe("--json: one document on stdout", () => {
  it("every command, on a small store", async () => {
    const dir = tempDir();
    writeFile(dir, "tiny.yaml", tinySweep({ steps: 2, seeds: 1 }));
    // The issue-14 probe too: a repeatable flag before the positional sweep file.
    const sweep = await nfxAsync(
      ["sweep", "--set", "train.steps=3", "tiny.yaml", "--db", "a.db", "--backend", "wasm", "--jobs", "1"].concat([
        "--out",
        "figs",
        "--json",
      ]),
      dir,
    );
    assert.equal(sweep.status, 0, sweep.stderr);
    const swept = oneDocument(sweep) as { run_ids: number[]; ran: number };
    assert.equal(swept.ran, 2);
    const steps = await nfxAsync(["query", "SELECT DISTINCT steps_done AS n FROM runs", "--db", "a.db", "--json"], dir);
    assert.deepEqual(oneDocument(steps), [{ n: 3 }], "--set before the file was applied");

    const results = await all(
      [
        ["sweep", "tiny.yaml", "--db", "a.db", "--dry-run", "--json"],
        ["sweep", "tiny.yaml", "--db", "a.db", "--status", "--json"],
        ["runs", "--db", "a.db", "--json"],
        ["runs", "--db", "a.db", "--group-by", "agc.lambda", "--json"],
        ["runs", "show", "1", "--db", "a.db", "--json"],
        ["query", "SELECT id FROM runs", "--db", "a.db", "--json"],
        ["export", "--db", "a.db", "--json"],
        ["export", "--db", "a.db", "--format", "json", "--json"],
        ["export", "--db", "a.db", "--format", "bundle", "--out", "a.nfxb", "--json"],
        ["plot", "--x", "agc.lambda", "--db", "a.db", "--out", "figs", "--format", "json", "--json"],
        ["figure", "curves", "--where", "seed = 0", "--db", "a.db", "--out", "figs", "--format", "json", "--json"],
        ["report", "--db", "a.db", "--out", "rep", "--format", "json", "--json"],
        ["models", "--json"],
        ["config", "--json"],
        ["doctor", "--backend", "wasm", "--json"],
        [
          "spp",
          "--model",
          "nf-resnet-micro",
          "--px",
          "8",
          "--batch",
          "2",
          "--out",
          "figs",
          "--backend",
          "wasm",
          "--json",
        ],
        [
          "bench",
          "--backend",
          "wasm",
          "--cases",
          "kernels",
          "--batch",
          "1",
          "--min-time",
          "0",
          "--max-reps",
          "1",
        ].concat(["--warmup", "0", "--no-pytorch", "--json"]),
        [
          "bench",
          "training",
          "--backend",
          "wasm",
          "--px",
          "8",
          "--batch",
          "4",
          "--micro",
          "2",
          "--logical-only",
        ].concat(["--json"]),
      ],
      dir,
    );
    const docs = results.map((r) => {
      assert.equal(r.status, 0, `nfx ${r.args.join(" ")}: ${r.stderr}`);
      return oneDocument(r);
    });
    // The export's content is inside the one document: the CSV text (header + 2 runs), or the runs themselves.
    const exported = (format: string) => docs[results.findIndex((r) => r.args.join(" ").startsWith(format))];
    const csv = exported("export --db a.db --json") as { runs: number; format: string; content: string };
    assert.equal(csv.runs, 2);
    assert.equal(csv.format, "csv");
    assert.equal(csv.content.trim().split("\n").length, 3);
    const json = exported("export --db a.db --format json") as { content: { config_hash: string }[] };
    assert.equal(json.content.length, 2);

    const later = await all(
      [
        ["import", "a.nfxb", "--db", "b.db", "--json"],
        ["run", "--set", "data.name=synthetic", "--set", "data.train_size=16", "--set", "data.test_size=8"].concat(
          ["--set", "data.image_size=8", "--set", "train.steps=1", "--set", "train.batch_size=8", "--db", "a.db"],
          ["--backend", "wasm", "--out", "figs", "--json"],
        ),
      ],
      dir,
    );
    for (const r of later) {
      assert.equal(r.status, 0, `nfx ${r.args.join(" ")}: ${r.stderr}`);
      oneDocument(r);
    }
    const rm = await nfxAsync(["runs", "rm", "3", "--db", "a.db", "--yes", "--json"], dir);
    const removed = oneDocument(rm) as { deleted: number; ids: number[]; checkpoint_bytes: number };
    assert.deepEqual({ deleted: removed.deleted, ids: removed.ids }, { deleted: 1, ids: [3] });
    // Its final checkpoint went with it (runs rm removes the run's checkpoint directory).
    assert.ok(removed.checkpoint_bytes > 0, "the run's checkpoint bytes are counted");
  });
});

describe("failures: one line, one {error} document with --json, the same exit status", () => {
  it("nfx's own errors, oclif parse errors, unknown flags and commands, missing arguments", async () => {
    const dir = tempDir();
    writeFile(dir, "tiny.yaml", tinySweep({ steps: 2, seeds: 1 }));
    writeFile(dir, "bad.yaml", "name: bad\nagc:\n  lamda: 0.1\n");
    const cases: { args: string[]; status: number; message: RegExp }[] = [
      { args: ["runs", "--db", "missing.db"], status: 2, message: /^missing\.db: no such store/ },
      { args: ["sweep", "bad.yaml", "--dry-run"], status: 2, message: /bad\.yaml:3:3: agc\.lamda: unknown key/ },
      {
        args: ["sweep", "--set", "agc.lambda=0.1"],
        status: 2,
        message: /^Missing 1 required arg: config \(sweep file \(YAML\)\) \(see nfx sweep --help\)$/,
      },
      { args: ["runs", "--bogus"], status: 2, message: /^Nonexistent flag: --bogus \(see nfx runs --help\)$/ },
      { args: ["runs", "--status", "done"], status: 2, message: /^Expected --status=done to be one of: pending,/ },
      { args: ["sweep", "tiny.yaml", "--jobs", "many"], status: 2, message: /^Parsing --jobs: Expected an integer/ },
      { args: ["config", "lamda"], status: 2, message: /^no config key matches 'lamda' \(did you mean 'lambda'\?\)/ },
      {
        args: ["plot", "--db", "missing.db"],
        status: 2,
        message: /^Missing required flag --x \(see nfx plot --help\)$/,
      },
      { args: ["runs", "bogus"], status: 2, message: /^command 'runs bogus' not found \(see nfx --help\)$/ },
    ];
    const plain = await all(
      cases.map((c) => c.args),
      dir,
    );
    const json = await all(
      cases.map((c) => [...c.args, "--json"]),
      dir,
    );
    cases.forEach((c, i) => {
      const p = plain[i] as Result;
      const j = json[i] as Result;
      const what = c.args.join(" ");
      assert.equal(p.status, c.status, `${what}: ${p.stderr}`);
      assert.equal(j.status, c.status, `${what} --json: the same status`);
      assert.equal(p.stdout, "", `${what}: nothing on stdout`);
      const lines = p.stderr.trimEnd().split("\n");
      assert.equal(lines.length, 1, `${what}: one line on stderr, got\n${p.stderr}`);
      const line = /^nfx: error: (.*)$/.exec(lines[0] as string)?.[1] ?? "";
      assert.match(line, c.message, what);
      assert.deepEqual(oneDocument(j), { error: { message: line } }, `${what} --json`);
    });
    assert.equal(fs.existsSync(path.join(dir, "missing.db")), false, "no store created");
  });

  it("an unexpected exception in a command: its line, exit 1, with or without --json", async () => {
    const fixture = path.join(root, "test/cli/throwingCommand.ts");
    const [p, j] = await all([[], ["--json"]], root, ["--import", "tsx", fixture]);
    assert.equal(p?.status, 1, p?.stderr);
    assert.equal(j?.status, 1, j?.stderr);
    assert.equal(p?.stdout, "");
    assert.equal(p?.stderr, "nfx: error: Cannot read properties of undefined (reading 'x')\n");
    assert.deepEqual(oneDocument(j as Result), {
      error: { message: "Cannot read properties of undefined (reading 'x')" },
    });
  });

  it("nfx doctor on a backend that cannot run: the diagnosis and its steps, exit 1, with or without --json", async (t) => {
    if (fs.existsSync(path.join(root, "node_modules/@tensorflow/tfjs-node-gpu"))) {
      t.skip("tfjs-node-gpu is installed here");
      return;
    }
    const [p, j] = await all(
      [
        ["doctor", "--backend", "tensorflow-gpu"],
        ["doctor", "--backend", "tensorflow-gpu", "--json"],
      ],
      root,
    );
    assert.equal(p?.status, 1, p?.stderr);
    assert.equal(j?.status, 1, j?.stderr);
    assert.match(p?.stdout ?? "", /^backend: tensorflow-gpu cannot run here$/m);
    assert.match(p?.stdout ?? "", /problem: not-installed/);
    assert.match(p?.stdout ?? "", /npm install @tensorflow\/tfjs-node-gpu@4\.22\.0/);
    assert.doesNotMatch(p?.stderr ?? "", /Error|\n\s+at /, "no raw error, no stack");
    const report = oneDocument(j as Result) as {
      ok: boolean;
      backend: unknown;
      unavailable: { name: string; problem: string; steps: string[] }[];
    };
    assert.equal(report.ok, false);
    assert.equal(report.backend, null);
    assert.equal(report.unavailable[0]?.name, "tensorflow-gpu");
    assert.equal(report.unavailable[0]?.problem, "not-installed");
    assert.ok(report.unavailable[0]?.steps.some((s) => s.includes("nfx doctor --backend tensorflow-gpu")));
  });
});
