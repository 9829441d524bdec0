import fs from "node:fs";
import { Flags } from "@oclif/core";
import { exportRuns } from "../core/store/exportRuns.js";
import { count } from "../core/text/plural.js";
import { NfxCommand } from "../ui/command.js";
import { failWith } from "../ui/errors.js";
import { dbFlag } from "../ui/flags.js";

export default class Export extends NfxCommand {
  static override description =
    "Export runs: csv (one row per run, config keys as columns), json (runs with evals), or bundle (lossless JSON lines: runs, metrics, evals, artifacts, sweeps) for `nfx import`.";
  static override examples = [
    "<%= config.bin %> export --format csv --out runs.csv",
    `<%= config.bin %> export --format bundle --out lambda.nfxb --where "agc.lambda <= 0.04"`,
  ];
  static override enableJsonFlag = true;
  static override flags = {
    db: dbFlag,
    format: Flags.string({
      char: "f",
      description: "csv (one row per run), json (runs with evals) or bundle (lossless, for nfx import; needs --out)",
      options: ["csv", "json", "bundle"],
      default: "csv",
    }),
    out: Flags.string({ char: "o", description: "output file (default: stdout for csv and json)" }),
    where: Flags.string({ char: "w", description: "only runs matching this filter (as nfx runs --where)" }),
  };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(Export);
    try {
      if (flags.format === "bundle" && !flags.out) throw new Error("--format bundle needs --out FILE");
      if (flags.out && fs.existsSync(flags.out) && fs.statSync(flags.out).isDirectory()) {
        throw new Error(`--out ${flags.out}: is a directory`);
      }
      const res = exportRuns(flags.db, flags.format as "csv" | "json" | "bundle", flags.where, flags.out ?? null);
      const summary = { runs: res.runs, format: flags.format, out: flags.out ?? null };
      // With --json, stdout holds one document: the export (CSV text, or the JSON runs) goes inside it.
      if (this.jsonEnabled()) {
        if (res.text === null) return summary;
        return { ...summary, content: flags.format === "json" ? JSON.parse(res.text) : res.text };
      }
      if (res.text !== null) process.stdout.write(res.text);
      else this.log(`exported ${count(res.runs, "run")} to ${flags.out} (${flags.format})`);
      return summary;
    } catch (err) {
      return failWith(this, err);
    }
  }
}
