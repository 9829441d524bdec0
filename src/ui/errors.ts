// Bad input ends a command with one clear line and a non-zero exit, never a stack trace.
import type { Command } from "@oclif/core";

export function failWith(cmd: Command, err: unknown): never {
  if (err instanceof Error && "oclif" in err) throw err; // oclif's own exits and parse errors
  const msg = err instanceof Error ? err.message : String(err);
  if (process.env.NFX_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  return cmd.error(msg.split("\n")[0] ?? msg, { exit: 2 });
}
