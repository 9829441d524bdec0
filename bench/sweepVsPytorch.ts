// Whole sweeps, not one step: images per second per core when every core trains, nfx against PyTorch. nfx runs a
// sweep of N seeds of configs/fashion.quick.yaml's recipe with `--jobs N` (N workers, one thread each; --batch and
// --epochs change its batch size and length, e.g. --batch 64 --epochs 1 for the quick figure presets' small batch);
// PyTorch runs N processes of bench/pytorch_nf_resnet_micro.py --run (the same network, recipe and images, one
// thread each) at once. Both are timed from launch to the last process's exit (data loading, evaluation and start-up included), and
// also by their own training time alone. Uses the built CLI:
//   npm run build && node --import tsx bench/sweepVsPytorch.ts [--jobs 2] [--batch 128] [--epochs 1.5] [--backend wasm]
//        [--python /usr/bin/python3]
// The two halves run one after the other, never side by side; the load average is printed beside each.
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const bin = path.join(root, "bin/run.js");
const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? dflt) : dflt;
};
const jobs = Number(arg("jobs", String(os.cpus().length)));
const backend = arg("backend", "wasm");
const python = arg("python", process.env.NFX_PYTHON ?? "/usr/bin/python3");
// fashion.quick: batch 128, 1.5 epochs of 60,000 images (round(1.5·⌊60000/128⌋) = 702 steps).
const BATCH = Number(arg("batch", "128"));
const EPOCHS = Number(arg("epochs", "1.5"));
const STEPS = Math.max(1, Math.round(EPOCHS * Math.floor(60000 / BATCH)));
const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");

function run(cmd: string, args: string[], cwd: string): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, NFX_DB: "" } });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.stderr.on("data", (d) => {
      err += d;
    });
    child.on("close", (code) => resolve({ code, out, err }));
  });
}

async function nfxSweep(dir: string) {
  const file = path.join(dir, "sweep.yaml");
  const quick = fs.readFileSync(path.join(root, "configs/fashion.quick.yaml"), "utf8");
  const recipe = quick
    .replace(/^name: .*$/m, "name: bench-jobs")
    .replace(/batch_size: 128/, `batch_size: ${BATCH}`)
    .replace(/epochs: 1\.5/, `epochs: ${EPOCHS}`);
  fs.writeFileSync(file, `${recipe}\nseeds: ${jobs}\n`);
  const t0 = performance.now();
  const res = await run(
    process.execPath,
    [bin, "sweep", file, "--db", "b.db", "--jobs", String(jobs), "--backend", backend, "--json"],
    dir,
  );
  const wall = (performance.now() - t0) / 1000;
  if (res.code !== 0) throw new Error(`nfx sweep failed: ${res.err.slice(-2000)}`);
  const q = spawnSync(
    process.execPath,
    [
      bin,
      "query",
      "SELECT json_extract(summary_json, '$.images_per_s') AS ips, status FROM runs",
      "--db",
      "b.db",
      "--json",
    ],
    { cwd: dir, encoding: "utf8" },
  );
  const rows = JSON.parse(q.stdout) as { ips: number | null; status: string }[];
  // A run's own training rate (images/s while its steps ran, evaluation and start-up excluded).
  return { wall, rates: rows.map((r) => Number(r.ips)), statuses: rows.map((r) => r.status) };
}

async function pytorchRuns(dir: string) {
  const data = path.join(dir, "fashion-mnist.bin");
  const exp = spawnSync(process.execPath, ["--import", "tsx", path.join(root, "bench/exportFashionMnist.ts"), data], {
    cwd: root,
    encoding: "utf8",
  });
  if (exp.status !== 0) throw new Error(`exporting the images failed: ${exp.stderr}`);
  const script = path.join(root, "bench/pytorch_nf_resnet_micro.py");
  const t0 = performance.now();
  const results = await Promise.all(
    Array.from({ length: jobs }, (_, seed) =>
      run(
        python,
        [script, "--run", "--data", data, "--seed", String(seed), "--min-time", "0"].concat([
          "--run-batch",
          String(BATCH),
          "--run-epochs",
          String(EPOCHS),
        ]),
        root,
      ),
    ),
  );
  const wall = (performance.now() - t0) / 1000;
  const rates = results.map((r) => {
    if (r.code !== 0) throw new Error(`PyTorch run failed: ${r.err.slice(-2000)}`);
    const doc = JSON.parse(r.out.trim().split("\n").at(-1) as string) as { run: { images_per_s: number } };
    return doc.run.images_per_s;
  });
  return { wall, rates };
}

const images = jobs * STEPS * BATCH;
const perCore = (seconds: number) => images / seconds / jobs;
const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;
console.log(
  `whole sweeps: ${jobs} runs of fashion.quick's recipe at batch ${BATCH}, ${EPOCHS} epochs (nf-resnet-micro, ${STEPS} steps) at once, ` +
    `one per core; host ${os.cpus().length} cores (${os.cpus()[0]?.model}), ${new Date().toISOString()}`,
);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nfx-vs-torch-"));
try {
  console.log(`  load before nfx: ${load()}`);
  const nfx = await nfxSweep(dir);
  console.log(
    `  nfx (${backend}, --jobs ${jobs}): ${nfx.wall.toFixed(1)} s wall → ${perCore(nfx.wall).toFixed(0)} images/s per core ` +
      `(launch to exit); training alone ${mean(nfx.rates).toFixed(0)} images/s per run; statuses ${nfx.statuses.join(",")}`,
  );
  console.log(`  load before PyTorch: ${load()}`);
  const torch = await pytorchRuns(dir);
  console.log(
    `  PyTorch (${jobs} processes, 1 thread each): ${torch.wall.toFixed(1)} s wall → ${perCore(torch.wall).toFixed(0)} images/s per core ` +
      `(launch to exit, image export excluded); training alone ${mean(torch.rates).toFixed(0)} images/s per run`,
  );
  console.log(
    `  nfx / PyTorch wall time: ${(nfx.wall / torch.wall).toFixed(2)}×; training alone: ` +
      `${(mean(torch.rates) / mean(nfx.rates)).toFixed(2)}× (< 1: nfx faster); load after ${load()}`,
  );
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
