// The paper's learning-rate schedule: lr = base·B/256, linear warmup, then cosine decay to 0 (or constant).

export interface ScheduleOptions {
  /** Base LR at batch 256 (paper: 0.1). */
  base: number;
  batchSize: number;
  warmupSteps: number;
  totalSteps: number;
  kind: "cosine" | "constant";
}

/** Peak learning rate after warmup: base·B/256 (linear scaling rule). */
export function peakLr(base: number, batchSize: number): number {
  return (base * batchSize) / 256;
}

/** Learning rate for optimizer step `step` (0-based). */
export function lrAt(step: number, o: ScheduleOptions): number {
  const peak = peakLr(o.base, o.batchSize);
  if (o.warmupSteps > 0 && step < o.warmupSteps) return (peak * (step + 1)) / o.warmupSteps;
  if (o.kind === "constant") return peak;
  const decaySteps = Math.max(1, o.totalSteps - o.warmupSteps);
  const t = Math.min(1, (step - o.warmupSteps) / decaySteps);
  return 0.5 * peak * (1 + Math.cos(Math.PI * t));
}
