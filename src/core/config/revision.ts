// Which training revision a config is trained under. A revision that changed what some configs train (schema.ts,
// TRAINING_REVISION) names those configs here; a config it did not change keeps the revision before it, so its
// stored runs stay its results (same identity, same hash) instead of being trained again for nothing.
import { resolveModelSpec } from "../models/resolve.js";
import type { ModelSpec } from "../models/spec.js";
import { TRAINING_REVISION } from "./schema.js";

/** The oldest revision every config is at least at (nfx 0.2: the official networks, per-example draws). */
export const BASE_REVISION = 2;

/**
 * For each revision after BASE_REVISION: the models whose training it changed (as resolved, overrides included).
 *   3: the avg-pool shortcut's exact 'SAME' gradient (models/avgPool.ts): models with `shortcut: avgpool` (NFNets).
 */
const CHANGED_BY: Readonly<Record<number, (spec: ModelSpec) => boolean>> = {
  3: (spec) => spec.shortcut === "avgpool",
};

/**
 * The revision this nfx trains `model` under: the latest revision that changed its training, at least
 * BASE_REVISION. A model nfx cannot resolve gets TRAINING_REVISION (its config is refused elsewhere).
 * @param model the config's `model` mapping (name and overrides).
 */
export function trainingRevisionFor(model: { name: string } & Record<string, unknown>): number {
  let spec: ModelSpec;
  try {
    spec = resolveModelSpec(model as Parameters<typeof resolveModelSpec>[0]);
  } catch {
    return TRAINING_REVISION;
  }
  for (let r = TRAINING_REVISION; r > BASE_REVISION; r--) {
    if (CHANGED_BY[r]?.(spec)) return r;
  }
  return BASE_REVISION;
}
