// The preset a report judges by: one that every sweep figure has, since the report decides every figure's claims
// (`standard` is fig2b's alone: `nfx figure fig2b --preset standard`).
import { parsePreset, presetsOf } from "../figures/presets.js";
import { SWEEP_FIGURES } from "../figures/registry.js";
import type { Preset } from "../figures/types.js";

/**
 * `--preset` of `nfx report`, checked.
 * @throws Error for an unknown preset, or one that some figure lacks (naming them and where the preset exists).
 */
export function parseReportPreset(text: string): Preset {
  const preset = parsePreset(text);
  const lacking = SWEEP_FIGURES.map((f) => f.name).filter((name) => !presetsOf(name).includes(preset));
  if (lacking.length) {
    const having = SWEEP_FIGURES.map((f) => f.name).filter((name) => !lacking.includes(name));
    throw new Error(
      `--preset ${preset}: the report judges every figure, and ${lacking.join(", ")} ${lacking.length === 1 ? "has" : "have"} no ${preset} preset` +
        (having.length
          ? ` (only ${having.join(", ")}: nfx figure ${having[0]} --preset ${preset}; nfx report --sweep ${having[0]}.${preset} judges its runs)`
          : ""),
    );
  }
  return preset;
}
