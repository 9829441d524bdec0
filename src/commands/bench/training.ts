import { Flags } from "@oclif/core";
import { DEFAULT_MODEL } from "../../core/config/schema.js";
import { type BackendName, describeBackend } from "../../core/engine/backend/backend.js";
import type { BenchResult } from "../../core/engine/bench/bench.js";
import { overheadLine } from "../../experiments/agcOverhead.js";
import { benchTraining, type Calibration, type TrainingBench } from "../../experiments/trainingBenchRun.js";
import { NfxCommand } from "../../ui/command.js";
import { failWith } from "../../ui/errors.js";
import { backendFlag } from "../../ui/flags.js";
import { formatDuration, formatMiB, memoryLine } from "../../ui/format.js";
import { stepProfileLines } from "../../ui/stepProfile.js";

function line(r: BenchResult): string {
  return `${r.case.padEnd(56)} ${r.medianMs.toFixed(0).padStart(7)} ms  ${(r.imagesPerSec ?? 0).toFixed(1).padStart(6)} img/s  peak ${memoryLine(r)}`;
}

export default class BenchTraining extends NfxCommand {
  static override description =
    "Time nfx's whole training step on a model: AGC's cost, micro-batch calibration and gradient accumulation.";
  static override examples = [
    "<%= config.bin %> bench training",
    "<%= config.bin %> bench training --model nfnet-micro --batch 256",
    "<%= config.bin %> bench training --batch 32 --micro 32 --pytorch",
    "<%= config.bin %> bench training --model nfnet-f0 --px 192 --channels 3 --batch 256 --micro 8 --logical-only",
  ];
  static override enableJsonFlag = true;
  static override flags = {
    backend: backendFlag,
    model: Flags.string({ description: "model variant", default: DEFAULT_MODEL }),
    px: Flags.integer({ description: "image side", default: 28 }),
    channels: Flags.integer({ description: "image channels", default: 1 }),
    batch: Flags.integer({ description: "logical batch for the accumulation case", default: 2048 }),
    micro: Flags.integer({ description: "micro-batch (default: the calibrated fastest)" }),
    "min-time": Flags.integer({ description: "time each case at least this long (ms)", default: 3000 }),
    "logical-only": Flags.boolean({
      description: "time only the logical-batch step, once, without warm-up (large models: NFNet-F0 at 192 px)",
      default: false,
    }),
    pytorch: Flags.boolean({
      description:
        "also time the same nf-resnet-micro step (28×28×1, unit-wise AGC) in PyTorch on one thread " +
        "(bench/pytorch_nf_resnet_micro.py; python3 with torch, or NFX_PYTHON)",
      default: false,
    }),
    profile: Flags.boolean({
      description:
        "also profile the micro-batch step with AGC: wall time per phase (forward, backward, agc, optimizer, " +
        "bookkeeping) and each phase's costliest kernels",
      default: false,
      exclusive: ["logical-only"],
    }),
  };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(BenchTraining);
    try {
      if (flags["logical-only"] && !flags.micro) throw new Error("--logical-only needs --micro (calibrating is slow)");
      if (flags.micro !== undefined && flags.micro > flags.batch) {
        throw new Error(
          `--micro ${flags.micro}: a micro-batch cannot be larger than the batch (--batch ${flags.batch})`,
        );
      }
      if (flags.pytorch && (flags.model !== "nf-resnet-micro" || flags.px !== 28 || flags.channels !== 1)) {
        throw new Error("--pytorch: the PyTorch step exists for --model nf-resnet-micro at --px 28 --channels 1 only");
      }
      const quiet = this.jsonEnabled();
      const log = (line: string) => {
        if (!quiet) this.log(line);
      };
      const bench = await benchTraining(
        {
          backend: flags.backend as BackendName,
          model: flags.model,
          px: flags.px,
          channels: flags.channels,
          batch: flags.batch,
          micro: flags.micro,
          minTimeMs: flags["min-time"],
          logicalOnly: flags["logical-only"],
          pytorch: flags.pytorch,
          profile: flags.profile,
        },
        {
          backend: (b) => log(`backend ${describeBackend(b)}`),
          calibrated: (calibration) => {
            for (const c of calibration) log(calibrationLine(c));
          },
          result: (r) => log(line(r)),
          microBatch: microBatchProgress(quiet),
        },
      );
      if ("agcOverhead" in bench) {
        for (const l of summaryLines(bench, flags.batch)) log(l);
        if (bench.profile) for (const l of stepProfileLines(bench.profile)) log(l);
      }
      return bench;
    } catch (err) {
      return failWith(this, err);
    }
  }
}

function calibrationLine(c: Calibration[number]): string {
  return `calibration micro=${c.micro}: ${c.imagesPerS.toFixed(0)} img/s, peak ${formatMiB(c.peakBytes)} tensors`;
}

/** A logical-only step can take many minutes (NFNet-F0): report micro-batches with an ETA, unless --json. */
function microBatchProgress(quiet: boolean): (done: number, total: number) => void {
  const started = performance.now();
  let lastReport = 0;
  return (done, total) => {
    const elapsed = (performance.now() - started) / 1000;
    if (quiet || (done < total && elapsed - lastReport < 30)) return;
    lastReport = elapsed;
    const eta = (elapsed / done) * (total - done);
    process.stderr.write(
      `  micro-batch ${done}/${total}  ${formatDuration(elapsed)} elapsed, ETA ${formatDuration(eta)}\n`,
    );
  };
}

/** AGC's cost, accumulation's throughput and (--pytorch) the comparison with PyTorch. */
function summaryLines(bench: TrainingBench, batch: number): string[] {
  const { micro, pytorch } = bench;
  return [
    overheadLine(bench.agcOverhead, `a step of ${micro} images`),
    `logical batch ${batch} in micro-batches of ${micro}: ${(bench.accumulationVsBestMicro * 100).toFixed(0)}% of the micro-batch's images/s`,
    ...(pytorch && bench.vsPytorch !== null ? pytorchLines(bench) : []),
  ];
}

/** nfx's step beside PyTorch's: medians (the ratio) and the fastest steps, since PyTorch's steps swing widely. */
function pytorchLines(bench: TrainingBench): string[] {
  const { micro, pytorch } = bench;
  const withAgc = bench.results[1];
  if (!pytorch || bench.vsPytorch === null || !withAgc) return [];
  const fastest =
    pytorch.minMs !== undefined
      ? `; fastest steps: nfx ${withAgc.minMs.toFixed(1)} ms, PyTorch ${pytorch.minMs.toFixed(1)} ms (${(withAgc.minMs / pytorch.minMs).toFixed(2)}×)`
      : "";
  return [
    `PyTorch step B=${micro} agc=unit: ${pytorch.ms.toFixed(1)} ms median (${pytorch.source}); nfx ${bench.backend.name}: ${bench.vsPytorch.toFixed(2)}× PyTorch's median${fastest}`,
  ];
}
