// `nfx bench training` as a procedure: calibrate the micro-batch (unless given), time one step of it without and
// with AGC and one logical batch in micro-batches of it, then (optionally) PyTorch's same step. The command
// supplies the text: each stage is reported through TrainingBenchEvents as it ends.
import { type BackendInfo, type BackendName, initBackend } from "../core/engine/backend/backend.js";
import { type BenchResult, runBench } from "../core/engine/bench/bench.js";
import { benchPaired } from "../core/engine/bench/paired.js";
import type { StepProfile } from "../core/engine/bench/phaseProfile.js";
import { type PytorchReference, pytorchNfResnetMicroReference } from "../core/engine/bench/pytorchReference.js";
import { type PairedOverhead, pairedOverhead } from "./agcOverhead.js";
import { calibrateMicro, profileTrainStep, trainStepCase } from "./trainingBench.js";

export interface TrainingBenchOptions {
  backend: BackendName;
  model: string;
  px: number;
  channels: number;
  /** The logical batch of the accumulation case. */
  batch: number;
  /** The micro-batch; undefined: the calibrated fastest (64 when calibration measured none). */
  micro?: number;
  /** Time each case at least this long (ms). */
  minTimeMs: number;
  /** Time only the logical-batch step, once, without warm-up. */
  logicalOnly: boolean;
  pytorch: boolean;
  /** Also profile the micro-batch step with AGC by phase and kernel (engine/bench/phaseProfile.ts). */
  profile?: boolean;
}

export interface TrainingBenchEvents {
  backend?: (backend: BackendInfo) => void;
  calibrated?: (calibration: Calibration) => void;
  /** Each case's timing, as it ends. */
  result?: (r: BenchResult) => void;
  /** Progress within the logical batch (logical-only runs: one step can take minutes). */
  microBatch?: (done: number, total: number) => void;
}

export type Calibration = Awaited<ReturnType<typeof calibrateMicro>>;

/** A logical-only run: the one step timed. */
export interface LogicalOnlyBench {
  backend: BackendInfo;
  micro: number;
  results: BenchResult[];
}

export interface TrainingBench {
  backend: BackendInfo;
  calibration: Calibration;
  micro: number;
  /** AGC's cost over the same step without it, from alternating pairs of steps (agcOverhead.ts). */
  agcOverhead: PairedOverhead;
  accumulationVsBestMicro: number;
  results: BenchResult[];
  /** PyTorch's median for the agc=unit step of `micro` images (--pytorch), and nfx's time over it. */
  pytorch: PytorchReference | null;
  vsPytorch: number | null;
  /** --profile: the agc=unit step of `micro` images by phase and kernel; null otherwise. */
  profile: StepProfile | null;
}

/** The micro-batch to time: the one given, else calibration's fastest, else 64. */
function chooseMicro(given: number | undefined, calibration: Calibration): number {
  const best = calibration.reduce((a, b) => (b.imagesPerS > a.imagesPerS ? b : a), calibration[0] ?? null);
  return given ?? best?.micro ?? 64;
}

/** PyTorch's time for the same step of `micro` images, when asked for. */
function pytorchStep(wanted: boolean, micro: number): PytorchReference | null {
  if (!wanted) return null;
  const got = pytorchNfResnetMicroReference(micro);
  if ("reasons" in got) throw new Error(`--pytorch: no python with torch could run the step (${got.reasons})`);
  return got;
}

export async function benchTraining(
  o: TrainingBenchOptions,
  events: TrainingBenchEvents = {},
): Promise<TrainingBench | LogicalOnlyBench> {
  const backend = await initBackend(o.backend);
  events.backend?.(backend);
  const calibration = o.micro ? [] : await calibrateMicro(o.model, o.px, o.channels, 256);
  events.calibrated?.(calibration);
  const micro = chooseMicro(o.micro, calibration);
  const common = { model: o.model, px: o.px, channels: o.channels };
  const logicalCase = trainStepCase({
    ...common,
    batch: o.batch,
    micro,
    agc: "unit",
    onMicroBatch: o.logicalOnly ? events.microBatch : undefined,
  });
  const onResult = (r: BenchResult) => events.result?.(r);
  if (o.logicalOnly) {
    const once = { minTimeMs: 0, maxReps: 1, warmup: 0, profileMemory: false };
    const [logical] = await runBench([logicalCase], [backend.name], once, onResult);
    return { backend, micro, results: [logical as BenchResult] };
  }
  const timing = { minTimeMs: o.minTimeMs, maxReps: 20, warmup: 1 };
  // Without and with AGC in alternation: a drift of the machine's speed between two runs is no cost of AGC's.
  const paired = await benchPaired(
    trainStepCase({ ...common, batch: micro, micro, agc: "none" }),
    trainStepCase({ ...common, batch: micro, micro, agc: "unit" }),
    timing,
  );
  const [noAgc, withAgc] = [paired.a, paired.b];
  onResult(noAgc);
  onResult(withAgc);
  const [logical] = (await runBench([logicalCase], [backend.name], timing, onResult)) as [BenchResult];
  const results = [noAgc, withAgc, logical];
  const pytorch = pytorchStep(o.pytorch, micro);
  const profile = o.profile ? await profileTrainStep({ ...common, batch: micro, micro, agc: "unit" }, 10) : null;
  return {
    backend,
    calibration,
    micro,
    agcOverhead: pairedOverhead(paired.ratios),
    accumulationVsBestMicro: (logical.imagesPerSec ?? 0) / (withAgc.imagesPerSec ?? 1),
    results,
    pytorch,
    vsPytorch: pytorch ? withAgc.medianMs / pytorch.ms : null,
    profile,
  };
}
