// `--set KEY=VALUE`: one override of a config key from the command line (nfx run, nfx sweep, nfx eval).
import { parse as parseYaml } from "yaml";
import { ConfigError } from "./configError.js";
import { CONFIG_KEYS } from "./schema.js";
import { suggestKey } from "./suggestKey.js";

/**
 * Parses a `--set KEY=VALUE` override. The value is read as a YAML flow value, as it would be written in a config
 * file: numbers, booleans, null, lists (`[classifier_weight, stem_conv]`), anything else a string (so `none` is the
 * text none: the granularity `none`, the empty list for a list key, and null for a nullable number key, exactly as
 * in a file: checkValue decides). A list key also takes nfx's written form, `classifier_weight,stem_conv`.
 */
export function parseSetOverride(text: string): [string, unknown] {
  const eq = text.indexOf("=");
  if (eq <= 0) throw new ConfigError("", `--set expects KEY=VALUE (got '${text}')`);
  const key = text.slice(0, eq).trim();
  const raw = text.slice(eq + 1).trim();
  let value: unknown = raw;
  try {
    value = parseYaml(raw);
  } catch {
    value = raw;
  }
  if (!(key in CONFIG_KEYS) && !key.startsWith("model.")) {
    const hint = suggestKey(key);
    throw new ConfigError(key, `unknown key in --set${hint ? ` (did you mean '${hint}'?)` : ""}`);
  }
  return [key, value];
}
