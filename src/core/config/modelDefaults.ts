// Defaults that depend on the model (schema.ts MODEL_DEFAULTS): a key left at `auto` takes its model's value, as
// the official experiments set it (the BN baseline's weight decay, the NFNets' EMA).
import { resolveModelSpec } from "../models/resolve.js";
import type { ModelSpec } from "../models/spec.js";
import { getDotted, type Plain, setDotted } from "./dotted.js";
import { DEFAULT_MODEL, MODEL_DEFAULTS, type RunConfig } from "./schema.js";

/**
 * Writes each `auto` of MODEL_DEFAULTS in `cfg` as its model's value. A model nfx cannot resolve (refused later,
 * naming it) takes the value of the default model's family: the config still has a number there.
 */
export function resolveModelDefaults(cfg: RunConfig): void {
  let spec: ModelSpec | null = null;
  try {
    spec = resolveModelSpec(cfg.model as Parameters<typeof resolveModelSpec>[0]);
  } catch {
    spec = resolveModelSpec({ name: DEFAULT_MODEL });
  }
  for (const [key, { value }] of Object.entries(MODEL_DEFAULTS)) {
    if (getDotted(cfg, key) === "auto") setDotted(cfg as unknown as Plain, key, value(spec));
  }
}

/**
 * The keys of MODEL_DEFAULTS at which `cfg` holds its own model's value: what `auto` gives it. Runs of two models
 * compared as such (the BN-ResNet against the NF-ResNet, claim 1) each train with their model's own recipe.
 */
export function atModelDefault(cfg: RunConfig): string[] {
  let spec: ModelSpec;
  try {
    spec = resolveModelSpec(cfg.model as Parameters<typeof resolveModelSpec>[0]);
  } catch {
    return [];
  }
  return Object.entries(MODEL_DEFAULTS)
    .filter(([key, { value }]) => (getDotted(cfg, key) ?? null) === value(spec))
    .map(([key]) => key);
}
