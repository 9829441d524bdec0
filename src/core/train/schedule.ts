// The learning-rate schedule of the official code (deepmind-research nfnets/optim.py WarmupCosineDecay with
// start_val 0 and min_val 0, as experiment*.py configure it): peak = base·B/256, linear warmup from 0, then cosine
// decay to 0 (or constant), and the run's length in steps (experiment*.py get_config).

export interface ScheduleOptions {
  /** Base LR at batch 256 (paper: 0.1). */
  base: number;
  batchSize: number;
  /** W, in optimizer steps; not rounded (official: warmup_epochs·N/B, e.g. 1563.92 on ImageNet at B 4096). */
  warmupSteps: number;
  /** T, the run's optimizer steps (planSteps). */
  totalSteps: number;
  kind: "cosine" | "constant";
}

/** Peak learning rate after warmup: base·B/256 (linear scaling rule; official `lr_scale_by_bs`). */
export function peakLr(base: number, batchSize: number): number {
  return (base * batchSize) / 256;
}

/**
 * Warmup length W in optimizer steps: warmup_epochs · N / B, unrounded — official experiment*.py
 * `warmup_steps = 5 * steps_per_epoch` with `steps_per_epoch = images_per_epoch / train_batch_size` (a float).
 */
export function warmupSteps(warmupEpochs: number, trainSize: number, batchSize: number): number {
  return (warmupEpochs * trainSize) / batchSize;
}

/**
 * Learning rate of optimizer step `step` (0-based), as official WarmupCosineDecay(itr = step):
 *   0 ≤ s < W:  peak·s/W — step 0 runs at lr 0, yet it is no no-op: its gradient (plus weight decay) enters the
 *               momentum buffer, and step 1's update carries μ times it (train/sgd.ts);
 *   W ≤ s < T:  cosine: ½·peak·(1 + cos(π·(s − W)/(T − W))), or peak for `constant`.
 * The official code picks the warmup value while s ≤ W; at s = W both give the peak, so the two agree everywhere.
 * Where the official code has no value, nfx says what it does:
 *   W = 0:  no warmup: the cosine from step 0 (official: 0/0, NaN at step 0);
 *   T ≤ W:  every step of the run is a warmup step, peak·s/W, and the peak is never reached (official: the same,
 *           its cosine branch divides by T − W ≤ 0 but is never selected).
 * @throws RangeError for a step outside [0, T): a run makes T steps (past T the official cosine would rise again).
 */
export function lrAt(step: number, o: ScheduleOptions): number {
  if (!(Number.isInteger(step) && step >= 0 && step < o.totalSteps)) {
    throw new RangeError(`step ${step} is outside the run's ${o.totalSteps} steps`);
  }
  const peak = peakLr(o.base, o.batchSize);
  if (step < o.warmupSteps) return (peak * step) / o.warmupSteps;
  if (o.kind === "constant") return peak;
  const t = (step - o.warmupSteps) / (o.totalSteps - o.warmupSteps);
  return 0.5 * peak * (1 + Math.cos(Math.PI * t));
}
