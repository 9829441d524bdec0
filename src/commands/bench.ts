import { Flags } from "@oclif/core";
import { BACKEND_NAMES, type BackendInfo, type BackendName, describeBackend } from "../core/engine/backend/backend.js";
import {
  type BenchResult,
  builtinCases,
  DEFAULT_BENCH_OPTIONS,
  REF_BATCH,
  runBench,
} from "../core/engine/bench/bench.js";
import { type PytorchReference, pytorchTwoConvReference } from "../core/engine/bench/pytorchReference.js";
import { checkThreadsBackend } from "../core/sweep/options.js";
import { NfxCommand } from "../ui/command.js";
import { failWith } from "../ui/errors.js";
import { memoryLine } from "../ui/format.js";

export interface BenchReport {
  /** What each backend was: version, device, SIMD, threads, nfx's kernel build. */
  backends: BackendInfo[];
  results: BenchResult[];
  /** Two-conv step time over PyTorch's single-thread time, per backend. */
  vsPytorch: Record<string, number>;
  /** PyTorch's time: measured now when python3 has torch, else the figure (and why). */
  pytorch: PytorchReference | null;
}

function fmt(r: BenchResult): string {
  const g = r.gflops === null ? "" : `  ${r.gflops.toFixed(1)} GFLOP/s`;
  const i = r.imagesPerSec === null ? "" : `  ${r.imagesPerSec.toFixed(1)} img/s`;
  const mem = `  peak ${memoryLine(r)}`;
  return `${r.backend.padEnd(10)} ${r.case.padEnd(48)} ${r.medianMs.toFixed(1).padStart(9)} ms (min ${r.minMs.toFixed(1)}, n=${r.reps})${g}${i}${mem}`;
}

export default class Bench extends NfxCommand {
  static override description =
    "Time conv kernels and training steps per backend: ms, achieved GFLOP/s, images/s and peak memory.";
  static override examples = [
    "<%= config.bin %> bench",
    "<%= config.bin %> bench --backend wasm,cpu --cases kernels --warmup 0 --max-reps 1",
    "<%= config.bin %> bench --cases steps --no-pytorch --json",
  ];
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
      description: `batch of the reference conv problem (${REF_BATCH}×32×32×64)`,
      default: REF_BATCH,
    }),
    pytorch: Flags.boolean({
      description: "time the same two-conv step in PyTorch on one thread (python3 with torch) for the ratio",
      default: true,
      allowNo: true,
    }),
    warmup: Flags.integer({ description: "untimed calls before timing", default: DEFAULT_BENCH_OPTIONS.warmup }),
    threads: Flags.integer({
      description: "TensorFlow threads on the tensorflow backends (default 1, as PyTorch's reference; wasm uses 1)",
      min: 1,
      default: 1,
    }),
  };

  async run(): Promise<BenchReport> {
    const { flags, metadata } = await this.parse(Bench);
    try {
      const backends = flags.backend.split(",").map((b) => b.trim());
      for (const b of backends) {
        if (!(BACKEND_NAMES as readonly string[]).includes(b))
          throw new Error(`--backend: unknown backend '${b}' (known: ${BACKEND_NAMES.join(", ")})`);
      }
      // --threads given for backends that all compute on one thread would be ignored: refused, naming them.
      const oneThread = backends.filter((b) => b === "wasm" || b === "cpu");
      if (metadata.flags.threads?.setFromDefault !== true && oneThread.length === backends.length)
        checkThreadsBackend(oneThread[0] as BackendName, flags.threads);
      const infos: BackendInfo[] = [];
      const results = await runBench(
        builtinCases(flags.cases as "kernels" | "steps" | "all", flags.batch),
        backends as BackendName[],
        { minTimeMs: flags["min-time"], maxReps: flags["max-reps"], warmup: flags.warmup, threads: flags.threads },
        (r) => this.log(fmt(r)),
        (info) => {
          infos.push(info);
          this.log(describeBackend(info));
        },
      );
      const steps = results.filter((r) => r.case.startsWith("two-conv step"));
      const pytorch = steps.length > 0 && flags.pytorch ? pytorchTwoConvReference(flags.batch) : null;
      const vsPytorch: Record<string, number> = {};
      if (pytorch) {
        this.log(`PyTorch two-conv step: ${pytorch.ms.toFixed(1)} ms (${pytorch.source})`);
        for (const r of steps) {
          vsPytorch[r.backend] = r.medianMs / pytorch.ms;
          this.log(
            `two-conv step on ${r.backend}: ${(r.medianMs / pytorch.ms).toFixed(2)}× PyTorch's single-thread time`,
          );
        }
      }
      return { backends: infos, results, vsPytorch, pytorch };
    } catch (err) {
      return failWith(this, err);
    }
  }
}
