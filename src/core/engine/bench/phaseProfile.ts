// Where a training step's time goes: wall time per phase (forward, backward, AGC, optimizer, bookkeeping) over
// several steps, and the kernels each phase launched (name, calls, summed kernel time) from one tf.profile'd step.
// Model-agnostic: the step marks its own phase boundaries through a PhaseClock; the engine only times and counts.
//
// Wall times are exact on the synchronous backends (wasm, cpu, and tfjs-node on the CPU: a kernel has finished when
// its call returns). On tensorflow-gpu kernels run asynchronously, so a phase's wall time is when its kernels were
// queued, not run: the profile says so in `synchronous`.
import { tf } from "../tf.js";
import { median } from "./bench.js";

/** The phases nfx's training step marks, in order (train/step.ts). */
export const STEP_PHASES = ["forward", "backward", "agc", "optimizer", "bookkeeping"] as const;
export type StepPhase = (typeof STEP_PHASES)[number];

/** Told by the step where each phase begins; time until the next mark (or `stop`) is that phase's. */
export interface PhaseClock {
  mark(phase: StepPhase): void;
}

/** tfjs's engine state while tf.profile runs: the kernels recorded so far (internal, read-only use). */
interface ProfilingEngine {
  state: { activeProfile?: { kernels?: unknown[] } };
}

/** Accumulates wall time (ms) per phase and, while tf.profile runs, the index of each phase's first kernel. */
class PhaseTimer implements PhaseClock {
  readonly ms = new Map<StepPhase, number>();
  /** [phase, index of its first kernel in the active profile] in the order marked. */
  readonly kernelStarts: [StepPhase, number][] = [];
  private current: StepPhase | null = null;
  private since = 0;

  mark(phase: StepPhase): void {
    this.stop();
    this.current = phase;
    this.since = performance.now();
    const kernels = (tf.engine() as unknown as ProfilingEngine).state.activeProfile?.kernels;
    if (kernels) this.kernelStarts.push([phase, kernels.length]);
  }

  stop(): void {
    if (this.current !== null) {
      this.ms.set(this.current, (this.ms.get(this.current) ?? 0) + performance.now() - this.since);
    }
    this.current = null;
  }
}

export interface PhaseTime {
  phase: StepPhase;
  /** Median wall time of the phase per step (ms), and its share of the median step. */
  ms: number;
  share: number;
  /** Kernels launched in the phase during the one tf.profile'd step, and their summed kernel time then (ms). */
  kernels: number;
  kernelMs: number;
}

export interface KernelTime {
  phase: StepPhase;
  /** tfjs kernel name (e.g. Conv2DBackpropInput; `forward` is a tf.customGrad op). */
  name: string;
  calls: number;
  /** Summed kernel time in the profiled step (ms): the backend's own timer, wall time on wasm and cpu. */
  ms: number;
}

export interface StepProfile {
  /** Median wall time of a whole step (ms), read-back included. */
  stepMs: number;
  /** Median over the steps of the wall time outside every marked phase (ms; the step's start and read-back wait). */
  outsidePhasesMs: number;
  steps: number;
  phases: PhaseTime[];
  /** Kernels by phase, most time first. */
  kernels: KernelTime[];
  /** Whether wall times are kernel times (false on tensorflow-gpu, where kernels run asynchronously). */
  synchronous: boolean;
}

/**
 * Profiles a step: `warmup` untimed steps, `steps` timed ones (wall time per phase, medians), then one step under
 * tf.profile for the kernels of each phase. `step(clock)` runs one step, calling clock.mark at each phase's start,
 * and returns its outputs, which are read back (and disposed) as part of the last phase.
 */
export async function profilePhases(
  step: (clock: PhaseClock) => tf.Tensor,
  opts: { steps: number; warmup: number },
): Promise<StepProfile> {
  const readBack = async (clock: PhaseTimer) => {
    const out = step(clock);
    await out.data();
    out.dispose();
    clock.stop();
  };
  for (let i = 0; i < opts.warmup; i++) await readBack(new PhaseTimer());
  const perPhase = new Map<StepPhase, number[]>();
  const totals: number[] = [];
  const outside: number[] = [];
  for (let i = 0; i < Math.max(1, opts.steps); i++) {
    const timer = new PhaseTimer();
    const t0 = performance.now();
    await readBack(timer);
    const total = performance.now() - t0;
    totals.push(total);
    for (const phase of STEP_PHASES) perPhase.set(phase, [...(perPhase.get(phase) ?? []), timer.ms.get(phase) ?? 0]);
    outside.push(Math.max(0, total - [...timer.ms.values()].reduce((a, b) => a + b, 0)));
  }
  const profiled = new PhaseTimer();
  const info = await tf.profile(() => readBack(profiled));
  const kernels = kernelsByPhase(info.kernels, profiled.kernelStarts);
  const stepMs = median(totals);
  const phases = STEP_PHASES.map((phase) => {
    const own = kernels.filter((k) => k.phase === phase);
    const ms = median(perPhase.get(phase) ?? [0]);
    return {
      phase,
      ms,
      share: stepMs > 0 ? ms / stepMs : 0,
      kernels: own.reduce((n, k) => n + k.calls, 0),
      kernelMs: own.reduce((n, k) => n + k.ms, 0),
    };
  });
  return {
    stepMs,
    outsidePhasesMs: median(outside),
    steps: totals.length,
    phases,
    kernels,
    synchronous: tf.getBackend() !== "tensorflow-gpu",
  };
}

/** Groups profiled kernels by (phase, name): kernel i belongs to the last phase marked at or before it. */
function kernelsByPhase(
  kernels: readonly { name: string; kernelTimeMs: unknown }[],
  starts: readonly [StepPhase, number][],
): KernelTime[] {
  const byKey = new Map<string, KernelTime>();
  let s = 0;
  kernels.forEach((k, i) => {
    while (s + 1 < starts.length && (starts[s + 1] as [StepPhase, number])[1] <= i) s++;
    const phase = starts[s]?.[0] ?? "forward";
    const key = `${phase}|${k.name}`;
    const entry = byKey.get(key) ?? { phase, name: k.name, calls: 0, ms: 0 };
    entry.calls++;
    entry.ms += typeof k.kernelTimeMs === "number" ? k.kernelTimeMs : 0;
    byKey.set(key, entry);
  });
  return [...byKey.values()].sort((a, b) => b.ms - a.ms);
}
