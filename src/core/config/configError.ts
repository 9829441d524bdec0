// The one error type of config faults: which key is at fault, why, and where it is written (filled in by the
// loaders that know the file: yamlFile.ts, the sweep's expansion, `--set`).

/**
 * A config fault: `key` is the dotted path at fault; `where` is filled in by loaders that know the file.
 * `keys` lists every key the fault involves (a combination of values can be at fault); it starts with `key`.
 */
export class ConfigError extends Error {
  readonly keys: readonly string[];

  constructor(
    readonly key: string,
    readonly reason: string,
    readonly where?: string,
    keys?: readonly string[],
  ) {
    super(where ? `${where}: ${key ? `${key}: ` : ""}${reason}` : `${key ? `${key}: ` : ""}${reason}`);
    this.name = "ConfigError";
    this.keys = keys ?? (key ? [key] : []);
  }

  /** The same error, located in a file (`file:line:col`). */
  at(where: string): ConfigError {
    return new ConfigError(this.key, this.reason, where, this.keys);
  }

  /** The same error, blamed on another of its keys (the one a loader can locate). */
  blame(key: string): ConfigError {
    return new ConfigError(key, this.reason, this.where, [key, ...this.keys.filter((k) => k !== key)]);
  }
}

/** A value as a fault message shows it: `(got …)`. */
export function describeValue(v: unknown): string {
  return JSON.stringify(v) ?? String(v);
}
