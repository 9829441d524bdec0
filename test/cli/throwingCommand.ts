// A command with a bug (a TypeError outside any failWith), run as bin/run.js runs commands: json.test.ts checks
// that an unexpected exception is reported as one line (and one --json document) with exit status 1.
import path from "node:path";
import { NfxCommand } from "../../src/ui/command.js";
import { handleTopLevel } from "../../src/ui/errors.js";

class Throwing extends NfxCommand {
  static override description = "Reads a property of undefined.";

  async run(): Promise<unknown> {
    await this.parse(Throwing);
    const holder: { inner?: { x: number } } = {};
    return (holder.inner as { x: number }).x;
  }
}

try {
  await Throwing.run(process.argv.slice(2), path.resolve(import.meta.dirname, "../.."));
} catch (err) {
  handleTopLevel(err);
}
