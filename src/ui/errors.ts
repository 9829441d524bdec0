// Bad input ends a command with one clear line on stderr and a non-zero exit, never a stack trace or a wrapped
// message (oclif's own error formatting wraps long lines, which breaks `file:line:col` for editors and greps).
import type { Command } from "@oclif/core";
import { wasmOutOfMemoryExplanation } from "../core/engine/backend.js";

export function failWith(cmd: Command, err: unknown): never {
  if (err instanceof Error && "oclif" in err) throw err; // oclif's own exits and parse errors
  const msg = wasmOutOfMemoryExplanation(err) ?? (err instanceof Error ? err.message : String(err));
  if (process.env.NFX_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  process.stderr.write(`nfx: error: ${msg.split("\n")[0] ?? msg}\n`);
  return cmd.exit(2);
}
