// From a config ({ name, ...overrides }) to a validated ModelSpec. Every fault is reported as one line that
// names it, because this is what a user sees when a sweep file is wrong.

import { didYouMean } from "../text/didYouMean.js";
import { ACTIVATION_NAMES } from "./activations.js";
import { MODEL_FORMS, type ModelSpec, type StemConvSpec } from "./spec.js";
import { MODEL_NAMES, MODEL_VARIANTS } from "./variants.js";

export interface ModelConfig {
  name: string;
  [override: string]: unknown;
}

/** Spec fields a config may override (`name`, `base` and `family` are derived). */
export const OVERRIDE_KEYS = [
  "norm",
  "stem",
  "stemBias",
  "stemPool",
  "depths",
  "widths",
  "strides",
  "bottleneckRatio",
  "groupWidth",
  "secondConv",
  "se",
  "seRatio",
  "shortcut",
  "activation",
  "alpha",
  "stochDepth",
  "dropout",
  "finalConvMult",
  "ws",
  "forms",
  "skipGainInit",
  "trainPx",
  "testPx",
  "inChannels",
  "numClasses",
] as const satisfies readonly (keyof ModelSpec)[];
type OverrideKey = (typeof OVERRIDE_KEYS)[number];

/** `group_width` and `group-width` are accepted for `groupWidth` (YAML files tend to use snake case). */
function camelCase(key: string): string {
  return key.replace(/[_-]([a-z])/g, (_, ch: string) => ch.toUpperCase());
}

type Check = (v: unknown) => string | null;
const isInt = (v: unknown, min: number): v is number => typeof v === "number" && Number.isInteger(v) && v >= min;
const int =
  (min: number): Check =>
  (v) =>
    isInt(v, min) ? null : `must be an integer ≥ ${min}`;
const num =
  (min: number, max: number, maxOpen = false): Check =>
  (v) =>
    typeof v === "number" && Number.isFinite(v) && v >= min && (maxOpen ? v < max : v <= max)
      ? null
      : `must be a number in [${min}, ${max}${maxOpen ? ")" : "]"}`;
const bool: Check = (v) => (typeof v === "boolean" ? null : "must be true or false");
const oneOf =
  (options: readonly string[]): Check =>
  (v) =>
    typeof v === "string" && options.includes(v) ? null : `must be one of ${options.join(", ")}`;
const intList: Check = (v) =>
  Array.isArray(v) && v.length > 0 && v.every((x) => isInt(x, 0)) ? null : "must be a non-empty list of integers";
const stemList: Check = (v) =>
  Array.isArray(v) &&
  v.length > 0 &&
  v.every(
    (s: unknown) =>
      typeof s === "object" &&
      s !== null &&
      isInt((s as StemConvSpec).width, 1) &&
      isInt((s as StemConvSpec).kernel, 1) &&
      isInt((s as StemConvSpec).stride, 1) &&
      Object.keys(s).every((k) => ["width", "kernel", "stride"].includes(k)),
  )
    ? null
    : "must be a non-empty list of { width, kernel, stride } with positive integers";

const CHECKS: Record<OverrideKey, Check> = {
  norm: oneOf(["none", "batch"]),
  stem: stemList,
  stemBias: bool,
  stemPool: bool,
  depths: intList,
  widths: intList,
  strides: intList,
  bottleneckRatio: num(0, 4),
  groupWidth: int(0),
  secondConv: bool,
  se: bool,
  seRatio: num(0, 1),
  shortcut: oneOf(["avgpool", "strided"]),
  activation: oneOf(ACTIVATION_NAMES),
  alpha: num(0, 10),
  stochDepth: num(0, 1, true),
  dropout: num(0, 1, true),
  finalConvMult: num(0, 16),
  ws: bool,
  forms: oneOf(MODEL_FORMS),
  skipGainInit: num(-10, 10),
  trainPx: int(1),
  testPx: int(1),
  inChannels: int(1),
  numClasses: int(1),
};

/** Checks the relations between fields; throws on the first fault. */
export function validateSpec(spec: ModelSpec): void {
  const { depths, widths, strides } = spec;
  if (depths.length !== widths.length || depths.length !== strides.length) {
    throw new Error(
      `model ${spec.name}: depths, widths and strides must have one entry per stage (got ${depths.length}, ${widths.length}, ${strides.length})`,
    );
  }
  depths.forEach((d, s) => {
    if (d < 1) throw new Error(`model ${spec.name}: stage ${s + 1} is empty (depth ${d}); every stage needs a block`);
  });
  widths.forEach((w, s) => {
    if (w < 1) throw new Error(`model ${spec.name}: stage ${s + 1} has width ${w}; widths must be ≥ 1`);
    const bottleneck = Math.floor(w * spec.bottleneckRatio);
    if (bottleneck < 1) {
      throw new Error(`model ${spec.name}: stage ${s + 1} bottleneck width ${w}×${spec.bottleneckRatio} rounds to 0`);
    }
    if (spec.groupWidth > 0 && bottleneck % spec.groupWidth !== 0) {
      throw new Error(
        `model ${spec.name}: stage ${s + 1} bottleneck width ${bottleneck} (= ${w}×${spec.bottleneckRatio}) is not divisible by group width ${spec.groupWidth}`,
      );
    }
  });
  strides.forEach((st, s) => {
    if (st < 1) throw new Error(`model ${spec.name}: stage ${s + 1} has stride ${st}; strides must be ≥ 1`);
  });
}

/**
 * Resolves `{ name, ...overrides }` to a ModelSpec: the named table row with the overrides applied, validated.
 * With any override the spec's name becomes `custom` (its `base` keeps the row's name).
 */
/**
 * `model.*` keys of a run config that are not network options: where a run's weights start from (see
 * config/schema.ts). resolveModelSpec ignores them.
 */
export const RUN_MODEL_KEYS: readonly string[] = ["init_from", "init_from_names", "init_from_sha256"];

/**
 * What is wrong with model option `rawKey` = `value` (an unknown option, with a guess; a value its check refuses),
 * or null. The config reads it too (config/resolve.ts), so that a typo is located in the file with the others.
 */
export function modelOptionFault(rawKey: string, value: unknown): string | null {
  const key = camelCase(rawKey);
  if (!(OVERRIDE_KEYS as readonly string[]).includes(key)) {
    const guess = didYouMean(key, OVERRIDE_KEYS);
    return `unknown model option '${rawKey}'${guess ? ` (did you mean '${guess}'?)` : ""}; options: ${OVERRIDE_KEYS.join(", ")}`;
  }
  const fault = CHECKS[key as OverrideKey](value);
  return fault ? `model option '${rawKey}' ${fault} (got ${JSON.stringify(value)})` : null;
}

export function resolveModelSpec(cfg: ModelConfig): ModelSpec {
  if (typeof cfg?.name !== "string") throw new Error(`model config needs a name (known: ${MODEL_NAMES.join(", ")})`);
  const row = MODEL_VARIANTS.find((v) => v.name === cfg.name);
  if (!row) {
    const guess = didYouMean(cfg.name, MODEL_NAMES);
    throw new Error(
      `unknown model '${cfg.name}'${guess ? ` (did you mean '${guess}'?)` : ""}; known: ${MODEL_NAMES.join(", ")}`,
    );
  }
  const spec: ModelSpec = structuredClone(row);
  const overrides = Object.entries(cfg).filter(
    ([k, v]) => k !== "name" && v !== undefined && !RUN_MODEL_KEYS.includes(k) && !(k === "forms" && v === "official"),
  );
  const spec_ = spec as unknown as Record<string, unknown>;
  for (const [rawKey, value] of overrides) {
    const key = camelCase(rawKey);
    const fault = modelOptionFault(rawKey, value);
    if (fault) throw new Error(fault);
    spec_[key] = structuredClone(value);
  }
  // The forms change formulas, not the network: a variant keeps its name (its weights and name maps are its own).
  if (overrides.some(([k]) => k !== "forms")) spec.name = "custom";
  validateSpec(spec);
  return spec;
}
