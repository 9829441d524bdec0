import { Command, Flags } from "@oclif/core";
import { BACKEND_NAMES, type BackendName } from "../core/engine/backend.js";
import {
  type BenchResult,
  builtinCases,
  DEFAULT_BENCH_OPTIONS,
  PYTORCH_TWO_CONV_MS,
  REF_BATCH,
  runBench,
} from "../core/engine/bench.js";

export interface BenchReport {
  results: BenchResult[];
  /** Two-conv step time over PyTorch's single-thread reference (≈150 ms, from the issue), per backend. */
  vsPytorch: Record<string, number>;
}

function fmt(r: BenchResult): string {
  const g = r.gflops === null ? "" : `  ${r.gflops.toFixed(1)} GFLOP/s`;
  const i = r.imagesPerSec === null ? "" : `  ${r.imagesPerSec.toFixed(1)} img/s`;
  const mem = `  peak ${(r.peakTensorBytes / 2 ** 20).toFixed(0)} MiB tensors, ${(r.peakRssBytes / 2 ** 20).toFixed(0)} MiB RSS`;
  return `${r.backend.padEnd(10)} ${r.case.padEnd(48)} ${r.medianMs.toFixed(1).padStart(9)} ms (min ${r.minMs.toFixed(1)}, n=${r.reps})${g}${i}${mem}`;
}

export default class Bench extends Command {
  static override description =
    "Time conv kernels and training steps per backend: ms, achieved GFLOP/s, images/s and peak memory.";
  static override enableJsonFlag = true;
  static override flags = {
    backend: Flags.string({
      description:
        "comma-separated backends to compare, e.g. wasm,cpu (cpu is slow: its backprop-filter takes minutes on the reference problem; use --warmup 0 --max-reps 1)",
      default: "auto",
    }),
    cases: Flags.string({ description: "which cases", options: ["kernels", "steps", "all"], default: "all" }),
    "min-time": Flags.integer({
      description: "time each case at least this long (ms)",
      default: DEFAULT_BENCH_OPTIONS.minTimeMs,
    }),
    "max-reps": Flags.integer({
      description: "at most this many timed calls per case",
      default: DEFAULT_BENCH_OPTIONS.maxReps,
    }),
    batch: Flags.integer({
      description: `batch of the reference conv problem (${REF_BATCH}×32×32×64); the PyTorch ratio is only printed at ${REF_BATCH}`,
      default: REF_BATCH,
    }),
    warmup: Flags.integer({ description: "untimed calls before timing", default: DEFAULT_BENCH_OPTIONS.warmup }),
  };

  async run(): Promise<BenchReport> {
    const { flags } = await this.parse(Bench);
    const backends = flags.backend.split(",").map((b) => b.trim());
    for (const b of backends) {
      if (!(BACKEND_NAMES as readonly string[]).includes(b)) this.error(`unknown backend '${b}'`);
    }
    const results = await runBench(
      builtinCases(flags.cases as "kernels" | "steps" | "all", flags.batch),
      backends as BackendName[],
      { minTimeMs: flags["min-time"], maxReps: flags["max-reps"], warmup: flags.warmup },
      (r) => this.log(fmt(r)),
    );
    const vsPytorch: Record<string, number> = {};
    for (const r of results) {
      if (r.case.startsWith("two-conv step") && flags.batch === REF_BATCH) {
        vsPytorch[r.backend] = r.medianMs / PYTORCH_TWO_CONV_MS;
      }
    }
    for (const [b, ratio] of Object.entries(vsPytorch)) {
      this.log(
        `two-conv step on ${b}: ${ratio.toFixed(2)}× PyTorch's single-thread reference (≈${PYTORCH_TWO_CONV_MS} ms)`,
      );
    }
    return { results, vsPytorch };
  }
}
