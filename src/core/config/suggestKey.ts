// The key a user most likely meant when they wrote an unknown one (`--set optim.learning_rate`, `grdi:`): by the
// section they named, by the names other tools give the same setting, and by edit distance, in that order.
import { didYouMean } from "../text/didYouMean.js";
import { CONFIG_KEYS } from "./schema.js";

/**
 * Other tools' names for a key's last part (PyTorch, timm, Keras, optax, Hydra configs): `learning_rate` is nfx's
 * `lr`. Read on the last part only, so `optim.learning_rate`, `train.learning_rate` and `learning_rate` all lead
 * to `optim.lr`.
 */
const SYNONYMS: Readonly<Record<string, string>> = {
  learning_rate: "lr",
  learningrate: "lr",
  base_lr: "lr",
  wd: "weight_decay",
  l2: "weight_decay",
  decay: "weight_decay",
  bs: "batch_size",
  batch: "batch_size",
  batchsize: "batch_size",
  clip: "lambda",
  clipping: "lambda",
  clip_lambda: "lambda",
  clipping_threshold: "lambda",
  clip_threshold: "lambda",
  threshold: "lambda",
  clip_mode: "granularity",
  epsilon: "eps",
  iterations: "steps",
  iters: "steps",
  max_steps: "steps",
  num_steps: "steps",
  num_epochs: "epochs",
  epoch: "epochs",
  warmup: "warmup_epochs",
  ema: "ema_decay",
  dataset: "name",
  arch: "name",
  random_seed: "seed",
};

/** The first dotted part of every config key: the sections (`agc`) and top-level keys (`seed`). */
function roots(): string[] {
  return [...new Set(Object.keys(CONFIG_KEYS).map((k) => k.split(".")[0] as string))];
}

function leaf(key: string): string {
  return key.slice(key.lastIndexOf(".") + 1);
}

/** The config key whose last part is `name` (or its synonym), preferring one in `section`. */
function byLastPart(name: string, section: string | undefined): string | undefined {
  const wanted = SYNONYMS[name.toLowerCase()] ?? name.toLowerCase();
  const hits = Object.keys(CONFIG_KEYS).filter((k) => leaf(k) === wanted);
  return hits.find((k) => k.startsWith(`${section}.`)) ?? (hits.length === 1 ? hits[0] : undefined);
}

/**
 * The known name closest to unknown `key`, or undefined. `alsoKnown` are further names valid where the key was
 * written (a sweep file's top-level sections: `grdi` → `grid`). A key whose first part names no section is
 * matched by that part first (`grdi.agc.lambda` → `grid`, `trian.steps` → `train.steps`); then by its last part
 * and its synonyms (`optim.learning_rate` → `optim.lr`); then by edit distance over whole keys.
 */
export function suggestKey(key: string, alsoKnown: readonly string[] = []): string | undefined {
  const parts = key.split(".");
  const head = parts[0] as string;
  const sections = roots();
  if (!sections.includes(head) && parts.length > 1) {
    const near = didYouMean(head, [...sections, ...alsoKnown]);
    if (near && alsoKnown.includes(near)) return near;
    const fixed = near ? [near, ...parts.slice(1)].join(".") : undefined;
    if (fixed && fixed in CONFIG_KEYS) return fixed;
  }
  if (parts.length === 1) {
    const near = didYouMean(head, alsoKnown);
    if (near) return near;
  }
  const section = parts.length > 1 ? head : undefined;
  return byLastPart(leaf(key), section) ?? didYouMean(key, Object.keys(CONFIG_KEYS));
}
