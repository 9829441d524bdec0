// Where a sweep file writes each config key, and the pairs of places that cannot both hold: one key swept by two
// axes (grid, zip, random, seeds), or written twice in one section (`agc.lambda` and `agc: { lambda }`). Each such
// pair used to run one place's values and silently drop the other's (a `seed` grid under `seeds: 2` ran seeds 0
// and 1). The base config and an axis may share a key: the base is what every run shares unless an axis sets the
// key, so an axis value replacing it is the file's meaning, not a loss (fig2a.quick's base names the model's
// options, its zip the model).
import { ConfigError, FaultCollector } from "../config/configError.js";
import { isPlainObject } from "../config/dotted.js";
import { CONFIG_KEYS } from "../config/schema.js";
import type { Locate } from "../config/yamlFile.js";

/** A section of a sweep file that sets config keys: the base config or an axis. */
export type KeySection = "base" | "grid" | "zip" | "random" | "seeds";

/** One place a key is written: its section, the dotted key, and its path in the document as written. */
export interface KeySite {
  section: KeySection;
  key: string;
  path: readonly string[];
}

/**
 * The keys a mapping writes, as config/dotted.ts `flatten` reads them (a config key or a non-mapping is a leaf;
 * keys under `model` are leaves one level down), each with its written path below `at`.
 */
export function writtenKeys(raw: unknown, section: KeySection, at: readonly string[]): KeySite[] {
  const out: KeySite[] = [];
  const walk = (obj: Record<string, unknown>, prefix: string, path: readonly string[]) => {
    for (const [k, v] of Object.entries(obj)) {
      const key = prefix ? `${prefix}.${k}` : k;
      if (isPlainObject(v) && prefix !== "model" && !(key in CONFIG_KEYS)) walk(v, key, [...path, k]);
      else out.push({ section, key, path: [...path, k] });
    }
  };
  if (isPlainObject(raw)) walk(raw, "", at);
  return out;
}

/** Whether two dotted keys set one value: equal, or one a section of the other (`model` and `model.name`). */
function overlap(a: string, b: string): boolean {
  return a === b || a.startsWith(`${b}.`) || b.startsWith(`${a}.`);
}

function place(site: KeySite, locate: Locate): string {
  const where = locate(site.path);
  const name = site.section === "seeds" ? "seeds" : site.section === "base" ? "the base config" : site.section;
  return where ? `${name} (${where})` : name;
}

/** The fault of two sites that set one key, located at the later one and naming both. */
function sharedKeyFault(a: KeySite, b: KeySite, locate: Locate): ConfigError {
  const both = `${place(a, locate)} and ${place(b, locate)}`;
  let why: string;
  if (a.section === b.section) {
    const at = [a, b].map((s) => locate(s.path) ?? s.path.join(".")).join(" and ");
    why = `is written twice in ${a.section === "base" ? "the base config" : a.section} (${at}); one would silently replace the other. Write it once`;
  } else if (a.section === "seeds" || b.section === "seeds") {
    why = `is swept by two axes, ${both}: \`seeds:\` would replace the other axis's seeds. List the seeds in one place (e.g. \`seeds: [5, 6]\`)`;
  } else {
    why = `is swept by two axes, ${both}: each point would take one axis's value and drop the other's. Sweep it in one axis (its values as one list in grid, or moving with others in zip)`;
  }
  return new ConfigError(b.key, why, locate(b.path), [b.key, a.key]);
}

/**
 * Refuses every pair of sites that set one key (see the file header): two axes, or one section twice. A key of
 * the base config that an axis sweeps is allowed (the axis sets it for each point).
 * @throws ConfigError naming both places of each pair, all pairs at once.
 */
export function refuseSharedKeys(sites: readonly KeySite[], locate: Locate): void {
  const faults = new FaultCollector();
  sites.forEach((a, i) => {
    for (const b of sites.slice(i + 1)) {
      const baseAndAxis = (a.section === "base") !== (b.section === "base");
      if (!baseAndAxis && overlap(a.key, b.key)) {
        faults.check(() => {
          throw sharedKeyFault(a, b, locate);
        });
      }
    }
  });
  faults.throwIfAny();
}
