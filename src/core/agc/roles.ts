// The names of parameter roles: the vocabulary AGC's `exclude` and the models' parameters share. It lives here, not
// in models, because AGC must not import models (AGC works on any tfjs parameters; roles come in as data) while the
// models re-export it (models/types.ts) so that their parameters name these roles.
import { didYouMean } from "../text/didYouMean.js";

/**
 * What a parameter is, so that AGC exclusions and weight-decay rules name roles, not string patterns.
 * - `stem_conv`: weights of the stem's convs (the first conv of the network is the first `stem_conv`).
 * - `body_conv`: weights of convs inside residual blocks and the head's final conv.
 * - `shortcut_conv`: weights of 1×1 projection convs on the shortcut.
 * - `se_weight` / `se_bias`: squeeze-excite linear layers (not standardized).
 * - `gain`: per-output-channel gains of scaled WS convs; `bias`: their biases.
 * - `skip_gain`: the scalar skip-init gain at the end of each residual branch.
 * - `classifier_weight` / `classifier_bias`: the final dense layer.
 * - `bn_scale` / `bn_offset`: BatchNorm γ/β (BN baseline only).
 * - `bn_mean` / `bn_var`: BatchNorm running statistics; these appear only in `Model.state`, never in `params`.
 */
export const PARAM_ROLES = [
  "stem_conv",
  "body_conv",
  "shortcut_conv",
  "se_weight",
  "se_bias",
  "gain",
  "bias",
  "skip_gain",
  "classifier_weight",
  "classifier_bias",
  "bn_scale",
  "bn_offset",
  "bn_mean",
  "bn_var",
] as const;
export type ParamRole = (typeof PARAM_ROLES)[number];

const KNOWN: ReadonlySet<string> = new Set(PARAM_ROLES);

/** Whether `v` is one of PARAM_ROLES (exact, case-sensitive). */
export function isParamRole(v: unknown): v is ParamRole {
  return typeof v === "string" && KNOWN.has(v);
}

/**
 * The roles a misspelt role most likely meant: the closest whole role name (`classifer_weight` →
 * `classifier_weight`), else every role with the closest word of a role (`clasifier` → `classifier_weight`,
 * `classifier_bias`); empty when nothing is close (see text/didYouMean for "close").
 */
export function suggestRoles(input: string): ParamRole[] {
  const whole = didYouMean(input, PARAM_ROLES) as ParamRole | undefined;
  if (whole) return [whole];
  const word = didYouMean(input, new Set(PARAM_ROLES.flatMap((r) => r.split("_"))));
  return word ? PARAM_ROLES.filter((r) => r.split("_").includes(word)) : [];
}

/**
 * Why `v` is not a role, as one clause: `unknown role "clasifier" (did you mean classifier_weight or
 * classifier_bias?); roles: stem_conv, body_conv, …`. For error messages; the caller names where `v` came from.
 */
export function unknownRoleReason(v: unknown): string {
  const hint = typeof v === "string" ? suggestRoles(v) : [];
  const shown = typeof v === "string" ? JSON.stringify(v) : `${JSON.stringify(v) ?? String(v)} (not a string)`;
  return `unknown role ${shown}${hint.length ? ` (did you mean ${hint.join(" or ")}?)` : ""}; roles: ${PARAM_ROLES.join(", ")}`;
}
