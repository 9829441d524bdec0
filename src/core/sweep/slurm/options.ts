// Slurm settings for `nfx sweep --executor slurm`: read from the sweep file's `slurm:` section, then overridden
// by flags. Validated here, once, so that the sbatch script is never written from a malformed value.
import { ConfigError } from "../../config/configError.js";
import { isPlainObject } from "../../config/dotted.js";

export interface SlurmOptions {
  partition: string | null;
  /** Wall-clock limit per task, in Slurm's syntax (e.g. "02:00:00"). */
  time: string | null;
  gpus_per_run: number;
  cpus_per_run: number | null;
  /** At most this many tasks of the array run at once (the `%N` of `--array`). */
  max_concurrent: number | null;
  /** Extra `#SBATCH` options, verbatim (e.g. "--account=lab", "--qos=short"). */
  sbatch_args: string[];
}

export const DEFAULT_SLURM: SlurmOptions = {
  partition: null,
  time: null,
  gpus_per_run: 0,
  cpus_per_run: null,
  max_concurrent: null,
  sbatch_args: [],
};

const KEYS = Object.keys(DEFAULT_SLURM);

function positiveInt(key: string, v: unknown, min: number): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min) {
    throw new ConfigError(`slurm.${key}`, `must be an integer ≥ ${min}`);
  }
  return v;
}

function word(key: string, v: unknown): string {
  // One shell-safe word: it lands in an `#SBATCH` line, where spaces or newlines would change its meaning.
  if (typeof v !== "string" || !/^[A-Za-z0-9_.:,=+@/-]+$/.test(v)) {
    throw new ConfigError(`slurm.${key}`, "must be a non-empty string of letters, digits and _.:,=+@/-");
  }
  return v;
}

/** Merges a `slurm:` section (possibly absent) and flag overrides (undefined = not given) over the defaults. */
export function resolveSlurmOptions(section: unknown, flags: Partial<SlurmOptions> = {}): SlurmOptions {
  const raw: Record<string, unknown> = {};
  if (section !== undefined && section !== null) {
    if (!isPlainObject(section)) throw new ConfigError("slurm", "must be a mapping");
    for (const [k, v] of Object.entries(section)) {
      if (!KEYS.includes(k)) throw new ConfigError(`slurm.${k}`, `unknown key (known: ${KEYS.join(", ")})`);
      raw[k] = v;
    }
  }
  for (const [k, v] of Object.entries(flags)) {
    if (v !== undefined && !(Array.isArray(v) && v.length === 0)) raw[k] = v;
  }
  const out: SlurmOptions = { ...DEFAULT_SLURM, sbatch_args: [] };
  if (raw.partition !== undefined && raw.partition !== null) out.partition = word("partition", raw.partition);
  if (raw.time !== undefined && raw.time !== null) out.time = word("time", raw.time);
  if (raw.gpus_per_run !== undefined) out.gpus_per_run = positiveInt("gpus_per_run", raw.gpus_per_run, 0);
  if (raw.cpus_per_run !== undefined && raw.cpus_per_run !== null)
    out.cpus_per_run = positiveInt("cpus_per_run", raw.cpus_per_run, 1);
  if (raw.max_concurrent !== undefined && raw.max_concurrent !== null)
    out.max_concurrent = positiveInt("max_concurrent", raw.max_concurrent, 1);
  if (raw.sbatch_args !== undefined) {
    if (!Array.isArray(raw.sbatch_args)) throw new ConfigError("slurm.sbatch_args", "must be a list of options");
    out.sbatch_args = raw.sbatch_args.map((a) => {
      if (typeof a !== "string" || !a.startsWith("-") || /[\n\r]/.test(a)) {
        throw new ConfigError("slurm.sbatch_args", `each must be one option starting with '-' (got ${String(a)})`);
      }
      return a;
    });
  }
  return out;
}
