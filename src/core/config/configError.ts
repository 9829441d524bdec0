// The one error type of config faults: which key is at fault, why, and where it is written (filled in by the
// loaders that know the file: yamlFile.ts, the sweep's expansion, `--set`). One ConfigError can carry every fault
// a pass found (`faults`), so that a file with three typos is reported once, with three located lines.

/**
 * A config fault: `key` is the dotted path at fault; `where` is filled in by loaders that know the file.
 * `keys` lists every key the fault involves (a combination of values can be at fault); it starts with `key`.
 * `more` holds the further faults found in the same pass, each with its own key and place; the message is one
 * line per fault, this one first.
 */
export class ConfigError extends Error {
  readonly keys: readonly string[];
  readonly more: readonly ConfigError[];

  constructor(
    readonly key: string,
    readonly reason: string,
    readonly where?: string,
    keys?: readonly string[],
    more: readonly ConfigError[] = [],
  ) {
    super([faultLine(key, reason, where), ...more.map((m) => faultLine(m.key, m.reason, m.where))].join("\n"));
    this.name = "ConfigError";
    this.keys = keys ?? (key ? [key] : []);
    this.more = more;
  }

  /** Every fault, this one first, each on its own (without `more`). */
  get faults(): ConfigError[] {
    return [new ConfigError(this.key, this.reason, this.where, this.keys), ...this.more];
  }

  /** The same error, located in a file (`file:line:col`); the faults in `more` keep their places. */
  at(where: string): ConfigError {
    return new ConfigError(this.key, this.reason, where, this.keys, this.more);
  }

  /** The same error, blamed on another of its keys (the one a loader can locate). */
  blame(key: string): ConfigError {
    return new ConfigError(key, this.reason, this.where, [key, ...this.keys.filter((k) => k !== key)], this.more);
  }

  /** Each fault mapped by `f` (a loader locating them one by one), joined again. */
  mapFaults(f: (fault: ConfigError) => ConfigError): ConfigError {
    return ConfigError.all(this.faults.map(f)) as ConfigError;
  }

  /** One error holding every fault of `errors` (repeats dropped, first written first), or null when none. */
  static all(errors: readonly ConfigError[]): ConfigError | null {
    const seen = new Set<string>();
    const faults = errors
      .flatMap((e) => e.faults)
      .filter((e) => {
        if (seen.has(e.message)) return false;
        seen.add(e.message);
        return true;
      });
    const [first, ...rest] = faults;
    return first ? new ConfigError(first.key, first.reason, first.where, first.keys, rest) : null;
  }
}

function faultLine(key: string, reason: string, where: string | undefined): string {
  const body = `${key ? `${key}: ` : ""}${reason}`;
  return where ? `${where}: ${body}` : body;
}

/**
 * Runs checks that may each throw a ConfigError and reports them together: `check` collects a fault and goes on
 * (returning undefined), `throwIfAny` throws every fault collected as one ConfigError. Other errors pass through.
 */
export class FaultCollector {
  private readonly found: ConfigError[] = [];

  check<T>(run: () => T): T | undefined {
    try {
      return run();
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      this.found.push(err);
      return undefined;
    }
  }

  get any(): boolean {
    return this.found.length > 0;
  }

  throwIfAny(): void {
    const all = ConfigError.all(this.found);
    if (all) throw all;
  }
}

/** A value as a fault message shows it: `(got …)`. */
export function describeValue(v: unknown): string {
  return JSON.stringify(v) ?? String(v);
}
