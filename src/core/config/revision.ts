// Which training revision a config is trained under. A revision that changed what some configs train (schema.ts,
// TRAINING_REVISION) names those configs here; a config it did not change keeps the revision before it, so its
// stored runs stay its results (same identity, same hash) instead of being trained again for nothing.
import { datasetFacts } from "../data/datasets.js";
import { planModel } from "../models/plan.js";
import { resolveModelSpec } from "../models/resolve.js";
import type { ModelSpec } from "../models/spec.js";
import { type RunConfig, TRAINING_REVISION } from "./schema.js";

/** The oldest revision every config is at least at (nfx 0.2: the official networks, per-example draws). */
export const BASE_REVISION = 2;

/** The first revision with the official schedule length and warmup (T = ⌊N·E/B⌋; before it, round(E·⌊N/B⌋)). */
export const OFFICIAL_SCHEDULE_REVISION = 4;

/**
 * For each revision after BASE_REVISION: the configs whose training it changed (model as resolved, overrides
 * included; the config after resolveConfig's model-dependent defaults).
 *   3: the avg-pool shortcut's exact 'SAME' gradient (models/avgPool.ts): models with `shortcut: avgpool` (NFNets).
 *   4: the official recipe (issue 25): a warmup (optim.warmup_epochs > 0: the official rates peak·s/W from step 0,
 *      W unrounded); a length from epochs that ⌊N·E/B⌋ makes other than round(E·⌊N/B⌋); an EMA (the official
 *      tf1_ema decay ramp, network state averaged too); and AGC's official squeeze rule, for models with a
 *      parameter that squeezes to ≤ 1 dimension without being one unit already, or of rank 3 (agc/).
 */
const CHANGED_BY: Readonly<Record<number, (spec: ModelSpec, cfg: RunConfig) => boolean>> = {
  3: (spec) => spec.shortcut === "avgpool",
  4: (spec, cfg) =>
    cfg.optim.warmup_epochs > 0 || lengthChanged(cfg) || cfg.optim.ema_decay !== null || squeezeRuleChanges(spec, cfg),
};

/**
 * The revision this nfx trains `cfg` under: the latest revision that changed its training, at least
 * BASE_REVISION. A model nfx cannot resolve gets TRAINING_REVISION (its config is refused elsewhere).
 */
export function trainingRevisionFor(cfg: RunConfig): number {
  let spec: ModelSpec;
  try {
    spec = resolveModelSpec(cfg.model as Parameters<typeof resolveModelSpec>[0]);
  } catch {
    return TRAINING_REVISION;
  }
  for (let r = TRAINING_REVISION; r > BASE_REVISION; r--) {
    if (CHANGED_BY[r]?.(spec, cfg)) return r;
  }
  return BASE_REVISION;
}

/**
 * Optimizer steps that `epochs` epochs give on `trainSize` examples at batch `batchSize`, under `revision`:
 *   from revision 4 (official experiment*.py `training_steps = images_per_epoch * num_epochs // batch_size`, batches
 *   drawn from a repeating stream): ⌊N·E/B⌋;
 *   before it: round(E·⌊N/B⌋), each epoch's remainder dropped.
 * At least 1. A product within 1e-9 of an integer counts as that integer (E = 0.3 on 1000 examples is 300 steps
 * at batch 1, although 0.3·1000 is 300.00000000000006 or 299.99999999999994 in floating point).
 */
export function stepsFromEpochs(epochs: number, batchSize: number, trainSize: number, revision: number): number {
  if (revision < OFFICIAL_SCHEDULE_REVISION) return Math.max(1, Math.round(epochs * Math.floor(trainSize / batchSize)));
  const exact = (trainSize * epochs) / batchSize;
  const near = Math.round(exact);
  return Math.max(1, Math.abs(exact - near) < 1e-9 * Math.max(1, exact) ? near : Math.floor(exact));
}

/** Whether ⌊N·E/B⌋ differs from round(E·⌊N/B⌋) for `cfg` (true where N is not known before the data is read). */
function lengthChanged(cfg: RunConfig): boolean {
  if (cfg.train.steps !== null) return false;
  const splits = datasetFacts(cfg.data.name)?.splits;
  if (!splits) return true;
  const n = Math.min(cfg.data.train_size ?? splits.train, splits.train);
  const { epochs, batch_size: b } = cfg.train;
  return stepsFromEpochs(epochs, b, n, BASE_REVISION) !== stepsFromEpochs(epochs, b, n, OFFICIAL_SCHEDULE_REVISION);
}

/**
 * Whether the official unitwise_norm (nfnets/agc_optax.py) takes other units than nfx 0.2–0.3 did (the last axis of
 * a rank ≥ 2 tensor) for some parameter of the model: a tensor that squeezes to ≤ 1 dimension is one unit there
 * ([1, C], [1, 1, 1, C]: C units before), and a rank-3 tensor's units are its last two axes (the last one before).
 * Parameter shapes do not depend on the image size; channels and classes are the dataset's where known.
 */
function squeezeRuleChanges(spec: ModelSpec, cfg: RunConfig): boolean {
  const facts = datasetFacts(cfg.data.name);
  const plan = planModel(spec, {
    inputShape: [spec.trainPx, spec.trainPx, facts?.channels ?? spec.inChannels],
    numClasses: facts?.classes ?? spec.numClasses,
  });
  return plan.params.some(({ shape }) => {
    const squeezed = shape.filter((d) => d !== 1).length;
    if (shape.length >= 2 && squeezed <= 1) return (shape[shape.length - 1] as number) > 1;
    return shape.length === 3 && (shape[1] as number) > 1;
  });
}
