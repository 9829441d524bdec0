#!/usr/bin/env node
// `nfx help [COMMAND…]` is `nfx [COMMAND…] --help`.
const argv = process.argv.slice(2);
const args = argv[0] === "help" ? [...argv.slice(1), "--help"] : argv;

// A Ctrl-C while a training command loads is kept for it (src/ui/interrupt.ts): it then prints its result and
// exits 130, as when interrupted later, instead of dying silently. Installed before oclif loads (hence its import
// below is dynamic), so that the window in which a signal kills nfx silently is node's own start.
const TRAINING = new Set(["run", "sweep", "report", "figure"]);
const interrupts = TRAINING.has(args[0] ?? "") ? await import("../dist/ui/interrupt.js") : null;
interrupts?.holdEarlyInterrupts();

const { flush, run } = await import("@oclif/core");

// Commands report their own failures (src/ui/command.ts); what fails before a command runs (an unknown command)
// is reported the same way: one line on stderr, with --json one document on stdout, and a non-zero exit.
try {
  await run(args, import.meta.url);
  await flush();
  interrupts?.releaseEarlyInterrupts();
} catch (err) {
  const { handleTopLevel } = await import("../dist/ui/errors.js");
  handleTopLevel(err, args);
}
