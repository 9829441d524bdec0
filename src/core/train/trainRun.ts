// One training run, top to bottom, with metrics reported through callbacks (a run never writes the store: the
// sweep's single writer does). Each step is data → model → (micro-batched) gradient → AGC → weight decay + SGD
// (step.ts). The run itself is three steps:
//   1. prepare (prepare.ts): size the run (refusing a split that cannot feed it), read the checkpoint to resume
//      from, build the model (and load `model.init_from`), choose the micro-batch, create the trainer, restore;
//   2. run steps: epoch by epoch, one optimizer step per batch, each judged (diverged?) then evaluated and
//      checkpointed when due, until the planned total, a divergence or a stop asked from outside;
//   3. settle: the final evaluation, the collapse rule (outcome.ts), the final checkpoint and the result.
import type { RunConfig } from "../config/schema.js";
import { type Batch, batches, type Dataset } from "../data/index.js";
import { formatLoss } from "../text/numbers.js";
import type { InitFromInfo } from "../weights/initFrom.js";
import type { CheckpointPlan, RunProgress, SavedCheckpoint } from "./checkpoint.js";
import { evaluate } from "./evaluate.js";
import type { MicroBatchChoice } from "./microBatch.js";
import { classifyCollapse } from "./outcome.js";
import { type PreparedRun, prepare } from "./prepare.js";
import { lrAt } from "./schedule.js";
import { stepMetrics, weightsFinite } from "./step.js";

export interface RunReporter {
  /** Called once, before the first step. */
  start?(info: {
    stepsTotal: number;
    microBatch: MicroBatchChoice;
    params: number;
    /** The step a resumed run continues from (its checkpoint's), or null for a run from step 0. */
    resumedFrom: number | null;
  }): void;
  /** Per optimizer step: loss, lr, grad_norm, clip fractions, skip_gain_abs_mean (models with skip gains), images_per_s. */
  step?(step: number, metrics: Record<string, number>): void;
  eval?(step: number, split: string, top1: number, loss: number, n: number): void;
  /** A checkpoint was written (atomically, complete): after the steps, evals and checkpoints reported before it. */
  checkpoint?(saved: SavedCheckpoint): void;
  /** Asked between steps; returning true stops the run as interrupted. */
  shouldStop?(): boolean;
}

/** `collapsed`: every step ran but the run did not train (outcome.ts: ended at chance, or flat at ln(C) after a spike). */
export type TrainStatus = "completed" | "diverged" | "collapsed" | "interrupted";

/** What a run reports at its end. Every number is finite or null (never NaN or ±Inf). */
export interface TrainResult {
  status: TrainStatus;
  /** Optimizer steps made; for a diverged run, the (1-based) step whose update or loss diverged. */
  steps: number;
  /** Final test top-1 in [0, 1]; null unless completed or collapsed. */
  testTop1: number | null;
  /** For a collapsed run, the 1-based step it collapsed at (outcome.ts); else null. */
  collapsedStep: number | null;
  /** Training loss of the last step; null when it was not finite. */
  finalLoss: number | null;
  imagesPerS: number | null;
  microBatch: MicroBatchChoice;
  reason: string | null;
  /** The weights the run started from (`model.init_from`), or null for a fresh initialisation. */
  initFrom?: InitFromInfo | null;
  /** The step this run continued from (a checkpoint's), or null. */
  resumedFrom: number | null;
}

/** Where a run stands: its progress as a checkpoint records it (every step's loss: the collapse rule's input). */
interface RunState extends RunProgress {
  losses: number[];
  status: TrainStatus;
  reason: string | null;
}

/** A step's values as read back once (step.ts StepOutput). */
type StepValues = Float32Array | Int32Array | Uint8Array;

/** A run while it trains: what prepare made, what it trains on, whom it reports to, and where it stands. */
interface Run extends Omit<PreparedRun, "progress"> {
  cfg: RunConfig;
  dataset: Dataset;
  reporter: RunReporter;
  state: RunState;
}

/**
 * Trains one run of `cfg` on `dataset`, reporting through `reporter`. Divergence is a result, not an error: a loss
 * above train.diverge_loss or not finite, a non-finite weight after any update (the last included), or non-finite
 * evaluation logits end the run as `diverged` at that step.
 * With `checkpoints`, the run saves its whole state as that plan says (checkpoint.ts: when due, when stopped, and
 * its final state) and, given a checkpoint to resume from, continues from it: the steps after it are the steps an
 * uninterrupted run makes, bit for bit on the same backend.
 * @throws Error before anything runs when the training split cannot fill one logical batch or the test split is
 * empty, or when the checkpoint to resume from is unreadable or of another model; errors of the model, data or
 * backend propagate.
 */
export async function trainRun(
  cfg: RunConfig,
  dataset: Dataset,
  reporter: RunReporter = {},
  checkpoints: CheckpointPlan | null = null,
): Promise<TrainResult> {
  const { progress, ...prepared } = await prepare(cfg, dataset, checkpoints, (c) => reporter.checkpoint?.(c));
  const run: Run = { ...prepared, cfg, dataset, reporter, state: { ...progress, status: "completed", reason: null } };
  try {
    reporter.start?.({
      stepsTotal: run.size.total,
      microBatch: run.micro,
      params: run.model.params.reduce((s, p) => s + p.variable.size, 0),
      resumedFrom: run.resumedFrom,
    });
    await runSteps(run);
    return settle(run);
  } finally {
    run.trainer.dispose();
    run.model.dispose();
  }
}

/**
 * Step 2: optimizer steps until the planned total, a divergence or a stop. Each epoch yields stepsPerEpoch full
 * batches, so step s is batch s mod stepsPerEpoch of epoch ⌊s / stepsPerEpoch⌋ (a resumed run starts mid-epoch).
 */
async function runSteps(run: Run): Promise<void> {
  const { cfg, size, state } = run;
  const firstEpoch = Math.floor(state.step / size.stepsPerEpoch);
  for (let epoch = firstEpoch; state.step < size.total && state.status === "completed"; epoch++) {
    const epochBatches = batches(run.dataset.train, {
      startBatch: epoch === firstEpoch ? state.step % size.stepsPerEpoch : 0,
      batchSize: cfg.train.batch_size,
      seed: cfg.seed,
      epoch,
      shuffle: true,
      augment: cfg.data.augment,
      dropRemainder: true,
      limit: size.trainSize,
    });
    const stepBefore = state.step;
    for (const batch of epochBatches) {
      if (state.step >= size.total || state.status !== "completed") {
        batch.x.dispose();
        batch.y.dispose();
        break;
      }
      const { loss, values } = takeStep(run, batch);
      afterStep(run, loss, values);
      // Yield to the event loop so that signals and progress rendering are handled between steps.
      await new Promise((r) => setImmediate(r));
    }
    // planSteps guarantees a batch per epoch; a loop that made no step would never end.
    if (state.step === stepBefore && state.status === "completed") {
      throw new Error(
        `epoch ${epoch} yielded no training batch (${size.trainSize} examples, batch ${cfg.train.batch_size})`,
      );
    }
  }
}

/** One optimizer step on `batch` (which it disposes): reports its metrics and records its loss. */
function takeStep(run: Run, batch: Batch): { loss: number; values: StepValues } {
  const { state } = run;
  const t0 = performance.now();
  const lr = lrAt(state.step, run.schedule);
  const out = run.trainer.step(batch.x, batch.y, state.step, lr);
  const values = out.values.dataSync();
  out.values.dispose();
  batch.x.dispose();
  batch.y.dispose();
  const ms = performance.now() - t0;
  state.trainMs += ms;
  state.imagesSeen += batch.size;
  const metrics = {
    ...stepMetrics(values, out.roles, out.skipGains),
    lr,
    images_per_s: ms > 0 ? (batch.size * 1000) / ms : 0,
  };
  const loss = metrics.loss;
  state.lastLoss = Number.isFinite(loss) ? loss : null;
  state.losses.push(loss);
  run.reporter.step?.(state.step, metrics);
  state.step++;
  return { loss, values };
}

/**
 * After a step: a loss above train.diverge_loss or not finite, or a non-finite weight, ends the run as diverged;
 * else the test split is evaluated every train.eval_every steps (the last step's evaluation is settle's), then a
 * stop asked from outside ends the run as interrupted, or a checkpoint is saved when due.
 */
function afterStep(run: Run, loss: number, values: StepValues): void {
  const { cfg, state, saver } = run;
  if (!Number.isFinite(loss) || loss > cfg.train.diverge_loss) {
    diverge(state, `loss ${formatLoss(loss)} at step ${state.step} (limit ${cfg.train.diverge_loss})`);
    return;
  }
  if (!weightsFinite(values)) {
    diverge(state, `non-finite weights after the update of step ${state.step}`);
    return;
  }
  const every = cfg.train.eval_every;
  if (every > 0 && state.step % every === 0 && state.step < run.size.total) evaluateTest(run);
  // A checkpoint comes after the step's evaluation: a run resumed from it has every record up to it.
  if (state.status !== "completed") return;
  if (run.reporter.shouldStop?.()) {
    state.status = "interrupted";
    state.reason = "stopped";
    saver?.saveStopped(state);
  } else if (state.step < run.size.total) {
    saver?.saveIfDue(state);
  }
}

function diverge(state: RunState, why: string): void {
  state.status = "diverged";
  state.reason = why;
}

/**
 * Evaluates the test split (with the EMA's weights when the run keeps one) and reports it; returns its top-1, or
 * null after marking the run diverged when the logits are not finite.
 */
function evaluateTest(run: Run): number | null {
  const { cfg, model, trainer, state } = run;
  const measure = () => evaluate(model, run.dataset, "test", cfg.data.test_size);
  const ev = trainer.ema ? trainer.ema.withAveraged(measure) : measure();
  if (!ev.finite) {
    diverge(state, `non-finite evaluation logits or loss after step ${state.step}`);
    return null;
  }
  run.reporter.eval?.(state.step, "test", ev.top1, ev.loss, ev.n);
  return ev.top1;
}

/** Step 3: the final evaluation, the collapse rule, the final checkpoint, and the result. */
function settle(run: Run): TrainResult {
  const { state } = run;
  let testTop1: number | null = null;
  let collapsedStep: number | null = null;
  if (state.status === "completed") testTop1 = evaluateTest(run);
  if (state.status === "completed") {
    const collapse = classifyCollapse({ losses: state.losses, top1: testTop1, numClasses: run.dataset.numClasses });
    if (collapse) {
      state.status = "collapsed";
      state.reason = collapse.reason;
      collapsedStep = collapse.step;
    }
  }
  if (state.status === "completed" || state.status === "collapsed") run.saver?.saveFinal(state);
  return {
    status: state.status,
    steps: state.step,
    testTop1,
    collapsedStep,
    finalLoss: state.lastLoss,
    imagesPerS: state.trainMs > 0 ? (state.imagesSeen * 1000) / state.trainMs : null,
    microBatch: run.micro,
    reason: state.reason,
    initFrom: run.initFrom,
    resumedFrom: run.resumedFrom,
  };
}
