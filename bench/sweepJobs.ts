// Benchmark: wall time of a CPU-bound 4-run sweep with --jobs 1 and --jobs 2 (target: jobs 2 ≤ 0.6× jobs 1 on two
// cores), and the store-logging overhead (orchestrator write time / training time). Uses the built CLI:
//   npm run build && node --import tsx bench/sweepJobs.ts [--steps 300] [--repeat 1] [--backend wasm]
// Other processes compete for the cores: the script prints the load average before and after each measurement.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const bin = path.join(root, "bin/run.js");
const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? dflt) : dflt;
};
const steps = Number(arg("steps", "300"));
const repeat = Number(arg("repeat", "1"));
const backend = arg("backend", "wasm");

const SWEEP = `name: bench
model: { name: nf-resnet-micro }
data: { name: synthetic, train_size: 512, test_size: 128, image_size: 16 }
train: { steps: ${steps}, batch_size: 32 }
optim: { lr: 0.2, warmup_epochs: 0 }
grid:
  agc.lambda: [0.01, 0.04, 0.16, null]
`;

interface Outcome {
  wallSeconds: number;
  storeWriteSeconds: number;
  trainSeconds: number;
  statuses: Record<string, number>;
  backend: { name: string; device: string } | null;
}

/** CPU seconds used so far by waited-for children (Linux /proc; null elsewhere). */
function childCpuSeconds(): number | null {
  try {
    const stat = fs.readFileSync("/proc/self/stat", "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // Fields 16 and 17 of stat (cutime, cstime) are 13 and 14 after the command name, in clock ticks (100 Hz).
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return null;
  }
}

function sweep(jobs: number): { wall: number; cpu: number | null; outcome: Outcome } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nfx-bench-"));
  try {
    fs.writeFileSync(path.join(dir, "bench.yaml"), SWEEP);
    const t0 = performance.now();
    const cpu0 = childCpuSeconds();
    const res = spawnSync(
      process.execPath,
      [
        bin,
        "sweep",
        "bench.yaml",
        "--db",
        "b.db",
        "--jobs",
        String(jobs),
        "--backend",
        backend,
        "--json",
        "--out",
        "figs",
      ],
      { cwd: dir, encoding: "utf8", env: { ...process.env, NFX_DB: "" } },
    );
    const wall = (performance.now() - t0) / 1000;
    const cpu1 = childCpuSeconds();
    const cpu = cpu0 === null || cpu1 === null ? null : cpu1 - cpu0;
    if (res.status !== 0) throw new Error(`nfx sweep --jobs ${jobs} failed: ${res.stderr}`);
    return { wall, cpu, outcome: JSON.parse(res.stdout) as Outcome };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");
console.log(`nfx sweep benchmark: 4 runs × ${steps} steps, nf-resnet-micro, synthetic 16×16, batch 32, ${backend}`);
console.log(`host ${os.hostname()}, ${os.cpus().length} cores (${os.cpus()[0]?.model}), load ${load()}`);
for (let r = 0; r < repeat; r++) {
  const one = sweep(1);
  // CPU/wall is how many cores the sweep actually got: under other load, --jobs 2 cannot get two.
  const cores = (m: { wall: number; cpu: number | null }) =>
    m.cpu === null ? "" : `, ${m.cpu.toFixed(1)} CPU-s = ${(m.cpu / m.wall).toFixed(2)} cores obtained`;
  console.log(`  --jobs 1: ${one.wall.toFixed(1)} s wall${cores(one)} (load ${load()})`);
  const two = sweep(2);
  console.log(`  --jobs 2: ${two.wall.toFixed(1)} s wall${cores(two)} (load ${load()})`);
  const ratio = two.wall / one.wall;
  console.log(`  ratio jobs2/jobs1 = ${ratio.toFixed(2)} (target ≤ 0.60) ${ratio <= 0.6 ? "PASS" : "FAIL"}`);
  for (const [name, m] of [
    ["jobs 1", one],
    ["jobs 2", two],
  ] as const) {
    const o = m.outcome;
    console.log(
      `  ${name}: store writes ${(o.storeWriteSeconds * 1000).toFixed(1)} ms over ${o.trainSeconds.toFixed(1)} s of training ` +
        `(${((o.storeWriteSeconds / o.trainSeconds) * 100).toFixed(3)}% of step time), statuses ${JSON.stringify(o.statuses)}, ` +
        `backend ${o.backend?.name} on ${o.backend?.device}`,
    );
  }
}
