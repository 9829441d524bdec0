// `nfx bench training --profile`'s text: a training step's wall time by phase, then the kernels that take the
// most time in each phase (engine/bench/phaseProfile.ts).
import type { StepProfile } from "../core/engine/bench/phaseProfile.js";

/** Lines of the profile: one per phase (ms, share, kernels launched), then the top `top` kernels of each phase. */
export function stepProfileLines(p: StepProfile, top = 6): string[] {
  const lines = [
    `profile of the step: wall ms = median over ${p.steps} steps (a step: ${p.stepMs.toFixed(1)} ms); kernels and kernel ms = one more step under tf.profile${p.synchronous ? "" : " (kernels run asynchronously on this backend: wall times are when they were queued)"}`,
    `  ${"phase".padEnd(14)} ${"wall ms".padStart(8)} ${"share".padStart(6)} ${"kernels".padStart(8)} ${"kernel ms".padStart(10)}`,
  ];
  for (const ph of p.phases) {
    lines.push(
      `  ${ph.phase.padEnd(14)} ${ph.ms.toFixed(2).padStart(8)} ${`${(ph.share * 100).toFixed(0)}%`.padStart(6)} ${String(ph.kernels).padStart(8)} ${ph.kernelMs.toFixed(2).padStart(10)}`,
    );
  }
  lines.push(
    `  ${"outside phases".padEnd(14)} ${p.outsidePhasesMs.toFixed(2).padStart(8)} ${`${((p.outsidePhasesMs / p.stepMs) * 100).toFixed(0)}%`.padStart(6)}`,
  );
  for (const ph of p.phases) {
    const own = p.kernels.filter((k) => k.phase === ph.phase).slice(0, top);
    if (own.length === 0) continue;
    const list = own.map((k) => `${k.name} ${k.ms.toFixed(2)} ms/${k.calls}`).join(", ");
    lines.push(`  ${ph.phase}: ${list}`);
  }
  lines.push(
    "  (kernel ms/calls in the profiled step; `forward` is a custom-gradient op and includes the kernels it runs)",
  );
  return lines;
}
