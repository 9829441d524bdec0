// The run config: every key, its default, its rule and its meaning, in one place. Defaults are the paper's values
// (../shared/PAPER.md) except where a CPU-scale reproduction needs smaller numbers; those say so.
// A parameter such as `agc.lambda` travels YAML → this schema (validated, defaulted, hashed) → train → agc,
// and is never re-defaulted along the way.
import { AGC_GRANULARITIES, type AgcGranularity, DEFAULT_EPS } from "../agc/agc.js";
import { MAX_SEED } from "../base/random.js";
import { DATASET_NAMES } from "../data/types.js";
import type { ModelSpec } from "../models/spec.js";
import { PARAM_ROLES, type ParamRole } from "../models/types.js";
import { OPTIMIZER_NAMES, type OptimizerName } from "../optim/table.js";

export type Rule =
  | {
      kind: "number";
      min?: number;
      max?: number;
      exclusiveMin?: boolean;
      exclusiveMax?: boolean;
      integer?: boolean;
      nullable?: boolean;
    }
  | { kind: "enum"; values: readonly string[] }
  | { kind: "boolean" }
  | { kind: "string"; nullable?: boolean }
  | { kind: "stringList"; values?: readonly string[] }
  /** A number as `number` checks it (nullable: or null), or `auto`: a default that depends on the model (MODEL_DEFAULTS). */
  | { kind: "numberOrAuto"; min: number; integer: boolean; max?: number; exclusiveMin?: boolean; nullable?: boolean }
  /** Optimizer steps (an integer) or a duration ("10m"), or null: never (config/duration.ts). */
  | { kind: "stepsOrDuration" };

export type ConfigValue = number | string | boolean | null | string[];

export interface KeySpec {
  default: ConfigValue;
  rule: Rule;
  doc: string;
}

/**
 * The revision of what nfx's code computes for a given config. Runs trained under another revision are other runs
 * (their config hashes differ: config/hash.ts), so a sweep never takes a stored result of older code for a result
 * of this code, and figures tell the two apart.
 *   1: nfx 0.1 — NF-ResNets without the stem conv's bias that the official code has; dropout and stochastic-depth
 *      masks and crop/flip drawn per micro-batch; squeeze-excite weights from an untruncated normal. Stored configs
 *      without a `revision` key are revision 1.
 *   2: nfx 0.2 — the official networks exactly (issue 19), every random draw keyed by (seed, step, example).
 *   3: the NFNet shortcut's 2×2 'SAME' average pool has its exact gradient on odd feature maps (tfjs's avgPool
 *      gradient divided the edge windows by 4, not by their in-image pixel count; found by the differential test
 *      against PyTorch, issue 17). Changes the training of NFNets whose feature maps reach an odd size before a
 *      strided block (nfnet-micro at 28 px); NF-ResNets and the BN baseline (strided shortcuts) train as before.
 *   4: the official recipe (issue 25, deepmind-research nfnets/optim.py, utils.py, experiment*.py): warmup at
 *      peak·s/W from step 0 (it ran one step ahead), W = warmup_epochs·N/B unrounded and T = ⌊N·E/B⌋ from epochs
 *      (train/schedule.ts); the EMA's official tf1_ema decay ramp min(decay, (1+t)/(10+t)), network state (BN
 *      statistics) averaged too (train/ema.ts); and AGC's official squeeze rule (a tensor that squeezes to ≤ 1
 *      dimension is one unit; a rank-3 tensor reduces axis 0 only: agc/). Changes configs with a warmup, an EMA, a
 *      length from epochs that the new T changes, or a parameter the squeeze rule reaches (config/revision.ts).
 *      The model-dependent defaults of the same issue (weight decay 1e-4 for BatchNorm models, EMA 0.99999 for
 *      NFNets: MODEL_DEFAULTS) change a config's values, hence its identity, not its revision.
 * Bump it (and add a line here) whenever a change makes the same config train differently, and name the configs
 * it changed in config/revision.ts: a config no later revision changed is trained (and identified) under the
 * latest revision that did, so its stored runs stay valid.
 */
export const TRAINING_REVISION = 4;

export const GRANULARITIES = AGC_GRANULARITIES;
export type Granularity = AgcGranularity;

/** Every key of a run config, dotted. `model.*` keys other than these are model overrides (see models). */
export const CONFIG_KEYS: Record<string, KeySpec> = {
  seed: {
    default: 0,
    // ≤ 2³² − 1: the random streams are 32-bit (base/random.ts), a larger seed would repeat a smaller one's runs.
    rule: { kind: "number", integer: true, min: 0, max: MAX_SEED },
    doc: "seed for init, data order and masks (0 … 4294967295: the random streams are 32-bit)",
  },
  revision: {
    default: TRAINING_REVISION,
    // The revision a config trains under depends on its model (config/revision.ts); resolveConfig sets it.
    rule: { kind: "number", integer: true, min: 2, max: TRAINING_REVISION },
    doc:
      "what nfx's code trains for a config, versioned (see TRAINING_REVISION); stored runs keep the revision " +
      "they were trained under, only the current one can be trained",
  },

  "model.name": { default: "nf-resnet-micro", rule: { kind: "string" }, doc: "model variant (see `nfx models`)" },

  "data.name": {
    default: "fashion-mnist",
    rule: { kind: "enum", values: DATASET_NAMES },
    doc: "fashion-mnist | synthetic | cifar10 | imagefolder",
  },
  "data.path": {
    default: null,
    rule: { kind: "string", nullable: true },
    doc: "dataset location (cifar10, imagefolder)",
  },
  "data.train_size": {
    default: null,
    rule: { kind: "number", integer: true, min: 1, nullable: true },
    doc: "use only the first N training examples (null: all)",
  },
  "data.test_size": {
    default: null,
    rule: { kind: "number", integer: true, min: 1, nullable: true },
    doc: "evaluate on the first N test examples (null: all)",
  },
  "data.image_size": {
    default: null,
    rule: { kind: "number", integer: true, min: 4, nullable: true },
    doc: "resize side for imagefolder (null: dataset's own)",
  },
  "data.augment.crop": {
    default: 0,
    rule: { kind: "number", integer: true, min: 0 },
    doc: "pad-and-random-crop by this many pixels (0: off)",
  },
  "data.augment.flip": { default: false, rule: { kind: "boolean" }, doc: "random horizontal flips" },
  "data.augment.mixup": {
    default: 0,
    rule: { kind: "number", min: 0 },
    doc: "MixUp Beta(α, α) parameter (0: off; paper: 0.2 on ImageNet)",
  },
  "data.augment.cutmix": {
    default: 0,
    rule: { kind: "number", min: 0 },
    doc: "CutMix Beta(α, α) parameter (0: off; paper: 1.0); with MixUp, each batch uses one of the two",
  },

  "train.batch_size": {
    default: 256,
    rule: { kind: "number", integer: true, min: 1 },
    doc: "logical batch size: AGC, weight decay and the optimizer act once per logical batch",
  },
  "train.micro_batch": {
    default: "auto",
    rule: { kind: "numberOrAuto", min: 1, integer: true },
    doc: "micro-batch for gradient accumulation (auto: fastest per image); an execution detail, not in the run's hash",
  },
  "train.epochs": {
    default: 1,
    rule: { kind: "number", min: 0, exclusiveMin: true },
    doc: "training length in epochs over the training split (ignored when train.steps is set)",
  },
  "train.steps": {
    default: null,
    rule: { kind: "number", integer: true, min: 1, nullable: true },
    doc: "training length in optimizer steps (null: from train.epochs)",
  },
  "train.eval_every": {
    default: 0,
    rule: { kind: "number", integer: true, min: 0 },
    doc:
      "evaluate test top-1 every N steps (0: only at the end); part of the run's identity (it changes what is " +
      "recorded, not the training): changing it trains the run again",
  },
  "train.label_smoothing": {
    default: 0.1,
    rule: { kind: "number", min: 0, max: 1 },
    doc: "label smoothing (paper: 0.1)",
  },
  "train.diverge_loss": {
    default: 1e3,
    rule: { kind: "number", min: 0, exclusiveMin: true },
    doc: "a loss above this (or NaN/Inf) stops the run as diverged",
  },
  "train.checkpoint_every": {
    default: "10m",
    rule: { kind: "stepsOrDuration" },
    doc:
      "save the whole training state every N optimizer steps or every duration of training (30s, 10m, 2h; " +
      "0 or null: never), beside the store in checkpoints/<store file name>/<config hash>/; an interrupted run continues " +
      "from its last checkpoint when its sweep runs again (runs shorter than 10 minutes save none by default); an execution " +
      "detail, not in the run's hash",
  },
  "train.keep_checkpoints": {
    default: 2,
    rule: { kind: "number", integer: true, min: 1 },
    doc:
      "how many of a run's newest checkpoints stay on disk while it trains (2: the newest and one to fall back " +
      "on); when the run ends they are removed and its final state (final.safetensors) is kept; an execution " +
      "detail, not in the run's hash",
  },

  "optim.name": {
    default: "sgd",
    rule: { kind: "enum", values: OPTIMIZER_NAMES },
    doc:
      "optimizer: sgd (paper), lars (You et al. 2017), adam, adamw (decoupled decay); each steps on the clipped " +
      "gradient and reads only its own keys (sgd: momentum, nesterov; lars: momentum, trust; adam/adamw: beta1, " +
      "beta2, eps)",
  },
  "optim.lr": {
    default: 0.1,
    rule: { kind: "number", min: 0, exclusiveMin: true },
    doc:
      "base learning rate at batch 256; the run uses lr·batch_size/256, whatever the optimizer (paper: 0.1 for " +
      "SGD; Adam/AdamW want ~1e-3)",
  },
  "optim.momentum": {
    default: 0.9,
    rule: { kind: "number", min: 0, max: 1 },
    doc: "momentum of sgd and lars (paper: 0.9)",
  },
  "optim.nesterov": {
    default: true,
    rule: { kind: "boolean" },
    doc:
      "Nesterov momentum (paper: true); false is heavy-ball momentum (w ← w − lr·v). The official SGD tests " +
      "`nesterov is not None`, so its nesterov=False still runs Nesterov: only its None is nfx's false",
  },
  "optim.weight_decay": {
    default: "auto",
    rule: { kind: "numberOrAuto", min: 0, integer: false },
    doc:
      "decay of weights only, after clipping: L2 added to the gradient (sgd, lars, adam) or decoupled, " +
      "w·(1 − lr·wd) (adamw); auto: 1e-4 for BatchNorm models (the " +
      "official BN-ResNet baseline, experiment.py), 2e-5 for the others (experiment_nfnets.py, paper)",
  },
  "optim.beta1": {
    default: 0.9,
    rule: { kind: "number", min: 0, max: 1, exclusiveMax: true },
    doc: "Adam/AdamW β1, decay of the first moment (torch default 0.9)",
  },
  "optim.beta2": {
    default: 0.999,
    rule: { kind: "number", min: 0, max: 1, exclusiveMax: true },
    doc: "Adam/AdamW β2, decay of the second moment (torch default 0.999)",
  },
  "optim.eps": {
    default: 1e-8,
    rule: { kind: "number", min: 0, exclusiveMin: true },
    doc: "Adam/AdamW ε added to √v̂ (torch default 1e-8)",
  },
  "optim.trust": {
    default: 1e-3,
    rule: { kind: "number", min: 0, exclusiveMin: true },
    doc: "LARS trust coefficient η in η·‖W‖/(‖G‖ + wd·‖W‖) (You et al. 2017: 0.001)",
  },
  "optim.warmup_epochs": {
    default: 0.2,
    rule: { kind: "number", min: 0 },
    doc:
      "linear warmup from lr 0 over warmup_epochs·N/B steps, unrounded: step s runs at peak·s/W (official " +
      "WarmupCosineDecay; 0: none, the cosine from step 0; a run no longer than W never leaves the warmup) " +
      "(paper: 5 of 360; CPU-scale default 0.2)",
  },
  "optim.ema_decay": {
    default: "auto",
    rule: { kind: "numberOrAuto", min: 0, max: 1, exclusiveMin: true, nullable: true, integer: false },
    doc:
      "EMA of the weights and network state (BN statistics), evaluated instead of the raw ones; step t (from 0) " +
      "averages with min(decay, (1+t)/(10+t)) (official utils.py tf1_ema); null: off; auto: 0.99999 for NFNets " +
      "(experiment_nfnets.py), off for the ResNets (experiment.py)",
  },
  "optim.sam_rho": {
    default: null,
    rule: { kind: "number", min: 0, exclusiveMin: true, nullable: true },
    doc: "SAM ascent radius ρ (null: off; paper uses SAM for F5/F6 only)",
  },
  "optim.sam_fraction": {
    default: 0.2,
    rule: { kind: "number", min: 0, max: 1, exclusiveMin: true },
    doc: "fraction of the batch used for SAM's ascent step (paper: 0.2, the cheaper variant)",
  },
  "optim.schedule": {
    default: "cosine",
    rule: { kind: "enum", values: ["cosine", "constant"] },
    doc: "LR after warmup: cosine to 0 at the run's last step (paper) or constant",
  },

  "agc.granularity": {
    default: "unit",
    rule: { kind: "enum", values: GRANULARITIES },
    doc: "unit-wise (paper), layer-wise, global-norm clipping, or none",
  },
  "agc.lambda": {
    default: 0.01,
    rule: { kind: "number", min: 0, exclusiveMin: true, nullable: true },
    doc: "clipping threshold λ (null: no clipping); for global clipping, the max global gradient norm",
  },
  "agc.eps": {
    default: DEFAULT_EPS,
    rule: { kind: "number", min: 0, exclusiveMin: true },
    doc: "ε: floor on the parameter norm",
  },
  "agc.exclude": {
    default: ["classifier_weight"],
    rule: { kind: "stringList", values: PARAM_ROLES },
    doc: "parameter roles left unclipped (official code: the classifier weight only)",
  },
};

/**
 * Defaults that depend on the model, as the official experiments set them: a key whose value is `auto` takes
 * `value(spec)` in resolveConfig (config/modelDefaults.ts), before the training revision is chosen.
 */
export const MODEL_DEFAULTS: Readonly<Record<string, { value: (spec: ModelSpec) => number | null }>> = {
  // experiment.py (the BN-ResNet baseline): 1e-4; experiment_nfnets.py: 2e-5.
  "optim.weight_decay": { value: (spec) => (spec.norm === "batch" ? 1e-4 : 2e-5) },
  // experiment_nfnets.py: use_ema=True, ema_decay=0.99999; experiment.py: use_ema=False.
  "optim.ema_decay": { value: (spec) => (spec.family === "nfnet" ? 0.99999 : null) },
};

/** The model a command uses when none is named: the `model.name` key's default (its one home, above). */
export const DEFAULT_MODEL = CONFIG_KEYS["model.name"]?.default as string;

export interface RunConfig {
  seed: number;
  /** See TRAINING_REVISION; absent in configs stored by nfx 0.1 (revision 1). */
  revision: number;
  model: { name: string; [override: string]: unknown };
  data: {
    name: string;
    path: string | null;
    train_size: number | null;
    test_size: number | null;
    image_size: number | null;
    augment: { crop: number; flip: boolean; mixup: number; cutmix: number };
  };
  train: {
    batch_size: number;
    micro_batch: number | "auto";
    epochs: number;
    steps: number | null;
    eval_every: number;
    label_smoothing: number;
    diverge_loss: number;
    /** Steps (integer), a duration ("10m") or null (never): see config/duration.ts. */
    checkpoint_every: number | string | null;
    keep_checkpoints: number;
  };
  optim: {
    name: OptimizerName;
    lr: number;
    momentum: number;
    nesterov: boolean;
    weight_decay: number;
    beta1: number;
    beta2: number;
    eps: number;
    trust: number;
    warmup_epochs: number;
    ema_decay: number | null;
    sam_rho: number | null;
    sam_fraction: number;
    schedule: "cosine" | "constant";
  };
  agc: { granularity: Granularity; lambda: number | null; eps: number; exclude: ParamRole[] };
}
