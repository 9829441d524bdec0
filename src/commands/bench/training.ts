import { Flags } from "@oclif/core";
import { DEFAULT_MODEL } from "../../core/config/schema.js";
import { type BackendName, describeBackend, initBackend } from "../../core/engine/backend.js";
import { type BenchResult, runBench } from "../../core/engine/bench.js";
import { type PytorchReference, pytorchNfResnetMicroReference } from "../../core/engine/pytorchReference.js";
import { calibrateMicro, trainStepCase } from "../../experiments/trainingBench.js";
import { NfxCommand } from "../../ui/command.js";
import { failWith } from "../../ui/errors.js";
import { backendFlag } from "../../ui/flags.js";
import { formatDuration, formatMiB, memoryLine } from "../../ui/format.js";

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
  };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(BenchTraining);
    try {
      if (flags["logical-only"] && !flags.micro) throw new Error("--logical-only needs --micro (calibrating is slow)");
      if (flags.pytorch && (flags.model !== "nf-resnet-micro" || flags.px !== 28 || flags.channels !== 1)) {
        throw new Error("--pytorch: the PyTorch step exists for --model nf-resnet-micro at --px 28 --channels 1 only");
      }
      const backend = await initBackend(flags.backend as BackendName);
      const quiet = this.jsonEnabled();
      if (!quiet) this.log(`backend ${describeBackend(backend)}`);
      const calibration = flags.micro ? [] : await calibrateMicro(flags.model, flags.px, flags.channels, 256);
      const best = calibration.reduce((a, b) => (b.imagesPerS > a.imagesPerS ? b : a), calibration[0] ?? null);
      const micro = flags.micro ?? best?.micro ?? 64;
      if (!quiet) {
        for (const c of calibration) {
          this.log(
            `calibration micro=${c.micro}: ${c.imagesPerS.toFixed(0)} img/s, peak ${formatMiB(c.peakBytes)} tensors`,
          );
        }
      }
      const common = { model: flags.model, px: flags.px, channels: flags.channels };
      // A logical-only step can take many minutes (NFNet-F0): report micro-batches with an ETA, unless --json.
      const started = performance.now();
      let lastReport = 0;
      const progress = (done: number, total: number) => {
        const elapsed = (performance.now() - started) / 1000;
        if (quiet || (done < total && elapsed - lastReport < 30)) return;
        lastReport = elapsed;
        const eta = (elapsed / done) * (total - done);
        process.stderr.write(
          `  micro-batch ${done}/${total}  ${formatDuration(elapsed)} elapsed, ETA ${formatDuration(eta)}\n`,
        );
      };
      const logicalCase = trainStepCase({
        ...common,
        batch: flags.batch,
        micro,
        agc: "unit",
        onMicroBatch: flags["logical-only"] ? progress : undefined,
      });
      const print = (r: BenchResult) => {
        if (!quiet) this.log(line(r));
      };
      if (flags["logical-only"]) {
        const once = { minTimeMs: 0, maxReps: 1, warmup: 0, profileMemory: false };
        const [logical] = await runBench([logicalCase], [backend.name], once, print);
        return { backend, micro, results: [logical] };
      }
      const cases = [
        trainStepCase({ ...common, batch: micro, micro, agc: "none" }),
        trainStepCase({ ...common, batch: micro, micro, agc: "unit" }),
        logicalCase,
      ];
      const results = await runBench(
        cases,
        [backend.name],
        { minTimeMs: flags["min-time"], maxReps: 20, warmup: 1 },
        print,
      );
      const [noAgc, withAgc, logical] = results as [BenchResult, BenchResult, BenchResult];
      let pytorch: PytorchReference | null = null;
      if (flags.pytorch) {
        const got = pytorchNfResnetMicroReference(micro);
        if ("reasons" in got) throw new Error(`--pytorch: no python with torch could run the step (${got.reasons})`);
        pytorch = got;
      }
      const summary = {
        backend,
        calibration,
        micro,
        agcOverhead: withAgc.medianMs / noAgc.medianMs - 1,
        accumulationVsBestMicro: (logical.imagesPerSec ?? 0) / (withAgc.imagesPerSec ?? 1),
        results,
        /** PyTorch's median for the agc=unit step of `micro` images (--pytorch), and nfx's time over it. */
        pytorch,
        vsPytorch: pytorch ? withAgc.medianMs / pytorch.ms : null,
      };
      if (!quiet) {
        this.log(`AGC adds ${(summary.agcOverhead * 100).toFixed(1)}% to a step of ${micro} images`);
        this.log(
          `logical batch ${flags.batch} in micro-batches of ${micro}: ${(summary.accumulationVsBestMicro * 100).toFixed(0)}% of the micro-batch's images/s`,
        );
        if (pytorch && summary.vsPytorch !== null) {
          this.log(
            `PyTorch step B=${micro} agc=unit: ${pytorch.ms.toFixed(1)} ms (${pytorch.source}); nfx ${backend.name}: ${summary.vsPytorch.toFixed(2)}× PyTorch`,
          );
        }
      }
      return summary;
    } catch (err) {
      return failWith(this, err);
    }
  }
}
