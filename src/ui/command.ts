// The base of every nfx command: --json on each, one JSON document on stdout with --json (the result, or
// `{"error": {"message": ...}}`), failures as one line, and the same exit status with or without --json.
import { Command, Errors, toConfiguredId } from "@oclif/core";
import { describeFailure, reportFailure } from "./errors.js";
import { jsonDocument } from "./jsonKeys.js";

export abstract class NfxCommand extends Command {
  static override enableJsonFlag = true;

  #exitStatus = 0;

  /**
   * Ends the command with `result` (the --json document) and a non-zero exit status, e.g. 130 for a sweep that
   * Ctrl-C interrupted: the document is printed first, then the process exits with `exitStatus`.
   */
  protected finish<T>(result: T, exitStatus: number): T {
    this.#exitStatus = exitStatus;
    return result;
  }

  /** The --json document of `result`: its keys in snake_case, as every nfx document spells them (jsonKeys.ts). */
  protected override toSuccessJson(result: unknown): unknown {
    return jsonDocument(result);
  }

  /**
   * A warning as one line on stderr, `nfx: warning: …` like the failures' `nfx: error: …` (oclif's own warn wraps
   * it to the terminal's width under a banner); none with --json, whose stdout and stderr stay the document's.
   */
  override warn(input: string | Error): string | Error {
    if (!this.jsonEnabled()) process.stderr.write(`nfx: warning: ${input instanceof Error ? input.message : input}\n`);
    return input;
  }

  /** oclif prints no document for an empty result; with --json there is always exactly one (`null` at least). */
  protected override async _run<T>(): Promise<T> {
    const result = await super._run<T>();
    if (this.jsonEnabled() && !result) this.logJson(result ?? null);
    if (this.#exitStatus !== 0) this.exit(this.#exitStatus);
    return result;
  }

  /**
   * Every failure of the command (its own errors through `failWith`, oclif's parse errors, unexpected exceptions):
   * one line on stderr, with --json also `{"error": {"message": ...}}` on stdout, and the failure's exit status.
   */
  protected override async catch(err: Error & { exitCode?: number }): Promise<never> {
    const help = `${this.config.bin} ${toConfiguredId(this.id ?? "", this.config)} --help`;
    const failure = describeFailure(err, help);
    if (failure.message === null && failure.exitStatus === 0) throw err;
    // jsonEnabled reads argv (before a `--`), so it holds even when parsing failed.
    reportFailure(err, failure, this.jsonEnabled());
    throw new Errors.ExitError(failure.exitStatus);
  }
}
