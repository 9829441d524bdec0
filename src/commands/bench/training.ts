import { Flags } from "@oclif/core";
import { type BackendName, describeBackend, initBackend } from "../../core/engine/backend.js";
import { type BenchResult, runBench } from "../../core/engine/bench.js";
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
    "<%= config.bin %> bench training --model nfnet-f0 --px 192 --channels 3 --batch 256 --micro 8 --logical-only",
  ];
  static override enableJsonFlag = true;
  static override flags = {
    backend: backendFlag,
    model: Flags.string({ description: "model variant", default: "nf-resnet-micro" }),
    px: Flags.integer({ description: "image side", default: 28 }),
    channels: Flags.integer({ description: "image channels", default: 1 }),
    batch: Flags.integer({ description: "logical batch for the accumulation case", default: 2048 }),
    micro: Flags.integer({ description: "micro-batch (default: the calibrated fastest)" }),
    "min-time": Flags.integer({ description: "time each case at least this long (ms)", default: 3000 }),
    "logical-only": Flags.boolean({
      description: "time only the logical-batch step, once, without warm-up (large models: NFNet-F0 at 192 px)",
      default: false,
    }),
  };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(BenchTraining);
    try {
      if (flags["logical-only"] && !flags.micro) throw new Error("--logical-only needs --micro (calibrating is slow)");
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
      const summary = {
        backend,
        calibration,
        micro,
        agcOverhead: withAgc.medianMs / noAgc.medianMs - 1,
        accumulationVsBestMicro: (logical.imagesPerSec ?? 0) / (withAgc.imagesPerSec ?? 1),
        results,
      };
      if (!quiet) {
        this.log(`AGC adds ${(summary.agcOverhead * 100).toFixed(1)}% to a step of ${micro} images`);
        this.log(
          `logical batch ${flags.batch} in micro-batches of ${micro}: ${(summary.accumulationVsBestMicro * 100).toFixed(0)}% of the micro-batch's images/s`,
        );
      }
      return summary;
    } catch (err) {
      return failWith(this, err);
    }
  }
}
