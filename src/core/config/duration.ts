// Values that say "how often" either in optimizer steps or in time: `train.checkpoint_every`.

/** Every N optimizer steps, every N milliseconds, or never (null). */
export type StepsOrDuration = { steps: number } | { ms: number } | null;

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000 };

/**
 * An integer ≥ 1 is a number of optimizer steps; a duration ("90s", "10m", "1.5h": seconds, minutes, hours) a span
 * of time; null or 0 never.
 * @throws Error saying what is accepted, for anything else.
 */
export function parseStepsOrDuration(value: unknown): StepsOrDuration {
  if (value === null || value === 0 || value === "none" || value === "null") return null;
  if (typeof value === "number") {
    if (Number.isInteger(value) && value > 0) return { steps: value };
  } else if (typeof value === "string") {
    const m = /^(\d+(?:\.\d+)?)\s*(s|m|h)$/.exec(value.trim());
    const ms = m ? Number(m[1]) * (UNIT_MS[m[2] as string] as number) : Number.NaN;
    if (ms > 0) return { ms };
    if (/^\d+$/.test(value.trim()) && Number(value) > 0) return { steps: Number(value) };
  }
  throw new Error('must be a whole number of steps ≥ 1, a duration such as "30s", "10m" or "2h", or null (never)');
}
