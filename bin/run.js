#!/usr/bin/env node
import { flush, run } from "@oclif/core";

// `nfx help [COMMAND…]` is `nfx [COMMAND…] --help`.
const argv = process.argv.slice(2);
const args = argv[0] === "help" ? [...argv.slice(1), "--help"] : argv;

// Commands report their own failures (src/ui/command.ts); what fails before a command runs (an unknown command)
// is reported the same way: one line on stderr, with --json one document on stdout, and a non-zero exit.
try {
  await run(args, import.meta.url);
  await flush();
} catch (err) {
  const { handleTopLevel } = await import("../dist/ui/errors.js");
  handleTopLevel(err, args);
}
