// `nfx sweep --executor slurm` against a real single-node Slurm (slurmctld + slurmd on localhost, started here by
// localSlurm.sh): a 4-run sweep lands in the store through per-task shards, a re-submission submits nothing, and a
// task killed by scancel shows as interrupted and is re-run by the next submission. Skipped, with the reason, where
// slurm-wlm is not installed or the test is not root (the daemons must run as root).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { nfx, peek } from "../e2e/sweepHelpers.js";
import { tempDir, writeFile } from "../helpers.js";

const helper = path.join(import.meta.dirname, "localSlurm.sh");

function onPath(program: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${program}`]).status === 0;
}

const missing = ["slurmctld", "slurmd", "munged", "sbatch", "squeue", "scancel"].filter((p) => !onPath(p));
const skip =
  missing.length > 0
    ? `slurm-wlm is not installed (missing ${missing.join(", ")}): apt-get install -y slurm-wlm munge`
    : process.getuid?.() !== 0
      ? "the local Slurm daemons need root"
      : false;
if (skip) process.stderr.write(`# test/slurm skipped: ${skip}\n`);

const sweepFile = (name: string, steps: number, grid: string) => `name: ${name}
model: { name: nf-resnet-micro }
data: { name: synthetic, train_size: 64, test_size: 32, image_size: 8 }
train: { steps: ${steps}, batch_size: 8 }
optim: { lr: 0.2, warmup_epochs: 0 }
slurm: { max_concurrent: 2 }
${grid}
`;

interface Status {
  runs: {
    config_hash: string;
    state: string;
    store_status: string | null;
    task: string | null;
    detail: string | null;
  }[];
}

describe("nfx sweep --executor slurm without Slurm", () => {
  it("fails with one clear line before anything is written", () => {
    const dir = tempDir();
    const cfg = writeFile(dir, "s.yaml", sweepFile("s", 3, "grid:\n  agc.lambda: [0.01, null]"));
    // A PATH that has node and nothing else, so no sbatch whatever the machine has installed.
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin);
    fs.symlinkSync(process.execPath, path.join(bin, "node"));
    const res = nfx(["sweep", cfg, "--executor", "slurm", "--db", "r/nfx.db"], dir, { PATH: bin });
    assert.equal(res.status, 2, res.stderr);
    assert.match(res.stderr, /^nfx: error: --executor slurm: sbatch is not on PATH .*\n$/);
    assert.equal(fs.existsSync(path.join(dir, "r")), false, "nothing is written");
  });
});

describe("nfx sweep --executor slurm on a local Slurm", { skip }, () => {
  const dir = tempDir("nfx-slurm-");
  const state = path.join(dir, "slurm");
  let env: Record<string, string> = {};
  const cli = (...args: string[]) => nfx([...args, "--db", "r/nfx.db"], dir, env);
  const json = <T>(...args: string[]): T => {
    const r = cli(...args, "--json");
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as T;
  };
  const until = async (what: string, ok: () => boolean, seconds = 90) => {
    const end = Date.now() + seconds * 1000;
    while (!ok()) {
      if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  before(() => {
    // Ports of their own, so that the test never meets a Slurm already on this machine.
    const port = 20000 + (process.pid % 5000) * 2;
    const up = spawnSync(helper, ["start", state], {
      encoding: "utf8",
      env: { ...process.env, NFX_SLURMCTLD_PORT: String(port), NFX_SLURMD_PORT: String(port + 1) },
    });
    assert.equal(up.status, 0, `local Slurm did not start: ${up.stderr}`);
    env = { SLURM_CONF: up.stdout.trim() };
  });
  after(() => {
    spawnSync(helper, ["stop", state]);
  });

  it("runs a 4-run sweep into the store; a re-submission submits nothing", async () => {
    const cfg = writeFile(dir, "four.yaml", sweepFile("four", 3, "grid:\n  agc.lambda: [0.01, null]\nseeds: 2"));
    const first = json<{ submitted: string[]; job_id: string; script: string }>(
      "sweep",
      cfg,
      "--executor",
      "slurm",
      "--backend",
      "wasm",
    );
    assert.equal(first.submitted.length, 4);
    assert.match(fs.readFileSync(first.script, "utf8"), /#SBATCH --array=0-3%2/);
    await until("4 runs done", () => json<Status>("sweep", cfg, "--status").runs.every((r) => r.state === "done"));
    const runs = json<{ config_hash: string; status: string }[]>("runs");
    assert.deepEqual(
      runs.map((r) => r.status),
      ["completed", "completed", "completed", "completed"],
    );
    assert.deepEqual(new Set(runs.map((r) => r.config_hash)), new Set(first.submitted));
    const again = json<{ submitted: string[]; job_id: string | null; done: number }>(
      "sweep",
      cfg,
      "--executor",
      "slurm",
      "--backend",
      "wasm",
    );
    assert.deepEqual(again.submitted, []);
    assert.equal(again.job_id, null);
    assert.equal(again.done, 4);
    // Collecting again imports nothing twice.
    const collect = json<{ imported: number; failed: number }>("sweep", cfg, "--collect");
    assert.deepEqual([collect.imported, collect.failed], [0, 0]);
    assert.equal(json<unknown[]>("runs").length, 4);
  });

  it("shows a task killed by scancel as interrupted and re-runs it on the next submission", async () => {
    const cfg = writeFile(dir, "kill.yaml", sweepFile("kill", 60, "seed: 7"));
    const sub = json<{ submitted: string[]; job_id: string }>("sweep", cfg, "--executor", "slurm", "--backend", "wasm");
    assert.equal(sub.submitted.length, 1);
    const hash = sub.submitted[0] as string;
    const shard = path.join(dir, "r/nfx.slurm/kill/shards", `${hash}.db`);
    // Kill it while it trains: its run in the shard has started once a worker trains it.
    await until(
      "the task to start training",
      () => peek<{ n: number }>(shard, "SELECT count(*) AS n FROM runs WHERE started_at IS NOT NULL")[0]?.n === 1,
      60,
    );
    const cancel = spawnSync("scancel", [`${sub.job_id}_0`], { env: { ...process.env, ...env }, encoding: "utf8" });
    assert.equal(cancel.status, 0, cancel.stderr);
    let status: Status = { runs: [] };
    await until("the killed task to show as interrupted", () => {
      status = json<Status>("sweep", cfg, "--status");
      return status.runs[0]?.state === "interrupted";
    });
    assert.equal(status.runs[0]?.store_status, "interrupted");
    assert.match(status.runs[0]?.detail ?? "", /slurm task \d+_0 ended without a result/);

    const again = json<{ submitted: string[]; job_id: string }>(
      "sweep",
      cfg,
      "--executor",
      "slurm",
      "--backend",
      "wasm",
    );
    assert.deepEqual(again.submitted, [hash]);
    assert.notEqual(again.job_id, sub.job_id);
    await until("the re-run to finish", () => json<Status>("sweep", cfg, "--status").runs[0]?.state === "done", 120);
    const run = json<{ status: string; error: string | null }>("runs", "show", hash);
    assert.equal(run.status, "completed");
    assert.equal(run.error, null);
  });
});
