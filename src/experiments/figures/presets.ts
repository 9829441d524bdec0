// Where a figure's sweep lives: configs/NAME.PRESET.yaml in the nfx package (found from this file, so it works from
// src/ under tsx and from dist/ alike).
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PRESETS, type Preset } from "./types.js";

const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

export function parsePreset(text: string): Preset {
  if (!(PRESETS as readonly string[]).includes(text))
    throw new Error(`--preset ${text}: unknown preset (known: ${PRESETS.join(", ")})`);
  return text as Preset;
}

/** The package's own preset sweeps: configs/ at the package root. */
export const PRESETS_DIR = path.join(packageRoot, "configs");

/** The presets `dir` holds for `figure`, in PRESETS order. */
export function presetsOf(figure: string, dir: string = PRESETS_DIR): Preset[] {
  return PRESETS.filter((p) => fs.existsSync(path.join(dir, `${figure}.${p}.yaml`)));
}

/**
 * `dir`/FIGURE.PRESET.yaml (default: the package's configs/).
 * @throws Error naming the figure's presets when it has no such preset (`standard` is fig2b's alone).
 */
export function presetFile(figure: string, preset: Preset, dir: string = PRESETS_DIR): string {
  const file = path.join(dir, `${figure}.${preset}.yaml`);
  if (!fs.existsSync(file)) {
    const has = presetsOf(figure, dir);
    throw new Error(
      `${figure}: no ${preset} preset (${file} is missing; ${figure} has ${has.length ? has.join(", ") : "none"})`,
    );
  }
  return file;
}

/** The preset's path as a user would type it from the package root, for messages. */
export function presetDisplay(figure: string, preset: Preset): string {
  return `configs/${figure}.${preset}.yaml`;
}
