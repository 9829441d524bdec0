// Where a run's weights start: the run keys under `model.` that name a weights file, and the file's SHA-256 that
// stands for it in the run's identity (config/hash.ts holds the hash, not the path).
import path from "node:path";
import { sha256File } from "../base/files.js";
import { checkValue } from "./checkValue.js";
import { ConfigError, describeValue } from "./configError.js";
import type { RunConfig } from "./schema.js";

const WEIGHT_NAME_SOURCES = ["nfx", "deepmind", "timm"];

/**
 * The run keys under `model.` that say where the weights start (not network options; models/resolve.ts
 * RUN_MODEL_KEYS): `model.init_from` a weights file (safetensors or npz, core/weights), `model.init_from_names`
 * its names' source (default: detected), `model.init_from_sha256` the file's SHA-256, filled in by resolveConfig.
 */
export const INIT_KEY_CHECKS: Record<string, (v: unknown) => unknown> = {
  "model.init_from": (v) => {
    if (v === null) return null;
    if (typeof v !== "string" || v.length === 0) {
      throw new ConfigError("model.init_from", `must be the path of a weights file (got ${describeValue(v)})`);
    }
    return path.resolve(v);
  },
  "model.init_from_names": (v) => {
    if (v === null) return null;
    return checkValue("model.init_from_names", v, { kind: "enum", values: WEIGHT_NAME_SOURCES });
  },
  "model.init_from_sha256": (v) => {
    if (typeof v !== "string" || !/^[0-9a-f]{64}$/.test(v)) {
      throw new ConfigError("model.init_from_sha256", `must be a SHA-256 in hex (got ${describeValue(v)})`);
    }
    return v;
  },
};

/**
 * Records the SHA-256 of `model.init_from`'s file as `model.init_from_sha256` (the run's identity holds the
 * hash, not the path: config/hash.ts). A config that already has it (a stored one) is not re-read.
 * @throws ConfigError when the file cannot be read.
 */
export function resolveInitFrom(cfg: RunConfig): void {
  const m = cfg.model as Record<string, unknown>;
  if (m.init_from === null) delete m.init_from;
  if (m.init_from_names === null) delete m.init_from_names;
  const file = m.init_from;
  if (typeof file !== "string") {
    for (const k of ["init_from_names", "init_from_sha256"]) {
      if (m[k] !== undefined) throw new ConfigError(`model.${k}`, "is set without model.init_from");
    }
    return;
  }
  if (typeof m.init_from_sha256 === "string") return;
  try {
    m.init_from_sha256 = sha256File(file);
  } catch (e) {
    throw new ConfigError(
      "model.init_from",
      `cannot read weights file ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
}
