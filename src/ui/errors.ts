// How a command ends when it fails: one line that names what is at fault, and an exit status that does not depend
// on --json. On stderr the line reads `nfx: error: <reason>`; with --json, stdout holds exactly one document,
// `{"error": {"message": "<reason>"}}`. oclif's own error formatting wraps long lines (which breaks `file:line:col`
// for editors and greps), appends the whole help to parse errors, and with --json serializes the error object
// whole (the parser's input, the command, the config: thousands of lines); nfx replaces all three.
import { stripVTControlCharacters } from "node:util";
import type { Command } from "@oclif/core";
import { ConfigError } from "../core/config/configError.js";
import { wasmOutOfMemoryExplanation } from "../core/engine/wasm/wasmMemory.js";
import { StoreBusyError } from "../core/store/connection.js";

/** Exit status of bad input that nfx or its flag parser detected (a config fault, a missing store, a bad flag). */
export const EXIT_BAD_INPUT = 2;
/**
 * Exit status of a failure that is not the input's fault (a full disk, an I/O error, a store locked too long, runs
 * left unfinished) and of an unexpected exception (a bug, or a failure nfx did not anticipate).
 */
export const EXIT_UNEXPECTED = 1;

/** A fault nfx detected and explains in one line; the command exits with status 2. */
export class NfxError extends Error {
  /** Read by oclif's own handler, should an NfxError ever reach it (a command that is not an NfxCommand). */
  readonly oclif: { exit: number } = { exit: EXIT_BAD_INPUT };

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "NfxError";
  }
}

/** A failure nfx explains in one line that is not bad input (see runtimeFailure); the command exits with status 1. */
export class NfxFailure extends NfxError {
  override readonly oclif = { exit: EXIT_UNEXPECTED };
}

/** errno codes of the machine failing, not the input: space, quota, I/O, memory, descriptors, a stale NFS handle. */
const RUNTIME_ERRNO = new Set(["ENOSPC", "EDQUOT", "EFBIG", "EIO", "ENOMEM", "EMFILE", "ENFILE", "ESTALE", "EBUSY"]);
/** SQLite's codes for the same (a full disk, an I/O error, no memory, a lock); not CORRUPT/NOTADB (a bad file). */
const RUNTIME_SQLITE = /^SQLITE_(FULL|IOERR|NOMEM|BUSY|LOCKED|INTERRUPT|PROTOCOL)/;
/** The same failures where only their text came through (a worker's error relayed as a message). */
const RUNTIME_TEXT = /\b(ENOSPC|EDQUOT)\b|no space left on device|disk is full|disk quota exceeded/i;

/**
 * Whether `err` (or an error it was caused by) is the machine failing rather than bad input: a full disk or quota,
 * an I/O error, memory or file descriptors running out (wasm's memory included), the store staying locked.
 */
export function runtimeFailure(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === "string" && (RUNTIME_ERRNO.has(code) || RUNTIME_SQLITE.test(code))) return true;
    if (e instanceof StoreBusyError || wasmOutOfMemoryExplanation(e) !== null || RUNTIME_TEXT.test(e.message)) {
      return true;
    }
  }
  return false;
}

/**
 * Ends a command with `err`: its first line (or, for wasm running out of memory, what happened) becomes an NfxError
 * (bad input, status 2) that the command's `catch` reports, or an NfxFailure (status 1) when it is the machine
 * failing (runtimeFailure). oclif's own errors (parse errors, exits) pass through unchanged.
 * The command argument is kept for the call sites (`failWith(this, err)`); the reporting is NfxCommand's.
 * @throws always.
 */
export function failWith(_cmd: Command, err: unknown): never {
  if (err instanceof NfxError || isOclifError(err)) throw err;
  const msg = wasmOutOfMemoryExplanation(err) ?? errorText(err);
  // A config's faults are found in one pass and reported together, one located line each (ConfigError.more).
  const Fault = runtimeFailure(err) ? NfxFailure : NfxError;
  throw new Fault(err instanceof ConfigError ? msg : firstLine(msg), { cause: err });
}

/** What a failed command tells its user: one line (null for a plain exit, which says nothing) and the status. */
export interface Failure {
  message: string | null;
  exitStatus: number;
}

interface OclifLikeError extends Error {
  oclif: { exit?: number };
  code?: string;
  parse?: unknown;
  args?: { name?: string; description?: string }[];
}

function isOclifError(err: unknown): err is OclifLikeError {
  return err instanceof Error && "oclif" in err && typeof (err as { oclif: unknown }).oclif === "object";
}

function errorText(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}

function firstLine(text: string): string {
  return text.split("\n").find((l) => l.trim() !== "") ?? text;
}

/**
 * Reduces an oclif parse error to one line: its reason lines joined, without the "See more help" and "Note:"
 * paragraphs, with the missing arguments named (`Missing 1 required arg: config (sweep file (YAML))`).
 */
function oclifReason(err: OclifLikeError): string {
  const text = stripVTControlCharacters(err.message);
  if (/^Missing \d+ required args?/.test(text) && Array.isArray(err.args)) {
    const named = err.args.filter((a) => a.name);
    const head = text.split(/[:\n]/)[0] ?? text;
    return named.length
      ? `${head}: ${named.map((a) => (a.description ? `${a.name} (${a.description})` : a.name)).join(", ")}`
      : head;
  }
  const lines = text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !/^(See more help with|Note:|Alternatively,|The following errors? occurred:$)/.test(l))
    .map((l) => l.replace(/^Missing required flag (\w[\w-]*)$/, "Missing required flag --$1"));
  let out = "";
  for (const l of lines) {
    if (out === "") out = l;
    else if (out.endsWith(":")) out += ` ${l}`;
    else if (/^Parsing --\S+$/.test(out)) out += `: ${l}`;
    else out += `; ${l}`;
  }
  return out.replace(/\s+/g, " ");
}

/** oclif's parser prefixes what a flag's own parse function threw (an Error of any kind) with this. */
function isFlagParseError(err: unknown): err is Error {
  return err instanceof Error && /^Parsing --\S+ *\n/.test(err.message);
}

/**
 * What `err`, thrown while running a command, means for its user.
 * - an oclif exit (`this.exit(n)`): no message, status n;
 * - an NfxError (through `failWith`): its line, status 2 (1 for an NfxFailure: the machine failed, not the input);
 * - an oclif parse error (unknown flag, missing argument, bad flag value) or `this.error`: one line (with where
 *   to get help, when `help` names it), oclif's status (2);
 * - anything else, an unexpected exception: its first line, status 1.
 */
export function describeFailure(err: unknown, help?: string): Failure {
  if (err instanceof NfxError) return { message: err.message, exitStatus: err.oclif.exit };
  if (isOclifError(err) || isFlagParseError(err)) {
    const exitStatus = (err as Partial<OclifLikeError>).oclif?.exit ?? EXIT_BAD_INPUT;
    if ((err as Partial<OclifLikeError>).code === "EEXIT") return { message: null, exitStatus };
    const reason = oclifReason(err as OclifLikeError).replace(
      /^command (\S+) not found$/,
      (_, id: string) => `command '${id.replaceAll(":", " ")}' not found (see nfx --help)`,
    );
    return { message: help === undefined ? reason : `${reason} (see ${help})`, exitStatus };
  }
  return { message: firstLine(errorText(err)), exitStatus: EXIT_UNEXPECTED };
}

/** Whether argv asks for --json (before a `--` that ends the flags), as oclif decides it for a command. */
export function argvWantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf("--");
  const json = argv.indexOf("--json");
  return json !== -1 && (end === -1 || json < end);
}

/**
 * Reports a failure: `nfx: error: <reason>` on stderr and, with --json, the one JSON document on stdout. With
 * NFX_DEBUG set, the stack (and its cause's) goes to stderr first.
 */
export function reportFailure(err: unknown, failure: Failure, json: boolean): void {
  if (process.env.NFX_DEBUG && err instanceof Error) {
    if (err.stack) process.stderr.write(`${err.stack}\n`);
    const cause = err.cause;
    if (cause instanceof Error && cause.stack) process.stderr.write(`caused by: ${cause.stack}\n`);
  }
  const message = failure.message ?? `exit status ${failure.exitStatus}`;
  if (failure.message !== null) process.stderr.write(`nfx: error: ${message}\n`);
  if (json) process.stdout.write(`${JSON.stringify({ error: { message } }, null, 2)}\n`);
}

/**
 * bin/run.js's handler for what fails outside any command (an unknown command, a broken install): the same one
 * line and --json document as a command's failure, then exit.
 */
export function handleTopLevel(err: unknown, argv: readonly string[] = process.argv.slice(2)): never {
  const failure = describeFailure(err);
  if (failure.message !== null) reportFailure(err, failure, argvWantsJson(argv));
  return process.exit(failure.exitStatus);
}
