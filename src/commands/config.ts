import { Args } from "@oclif/core";
import { describeKeys } from "../core/config/describeKeys.js";
import { NfxCommand } from "../ui/command.js";
import { failWith } from "../ui/errors.js";

function valueText(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return `[${v.join(", ")}]`;
  return String(v);
}

export default class Config extends NfxCommand {
  static override description =
    "List every config key of a run (sweep files, nfx run --config, --set KEY=VALUE) with its default, the values it accepts and its meaning; defaults are the paper's values unless the meaning says otherwise.";
  static override hiddenAliases = ["keys"];
  static override examples = [
    "<%= config.bin %> config",
    "<%= config.bin %> config agc",
    "<%= config.bin %> config lambda --json",
    "<%= config.bin %> keys optim",
  ];
  static override enableJsonFlag = true;
  static override args = {
    filter: Args.string({
      description: "show only keys whose name (or else meaning) contains this, e.g. agc, optim.lr, warmup",
    }),
  };

  async run(): Promise<unknown> {
    const { args } = await this.parse(Config);
    try {
      const keys = describeKeys(args.filter);
      // A block per key: the accepted values of some keys are too long for a table column.
      for (const k of keys) {
        this.log(`${k.key}: ${k.key === "model.<option>" ? "(the variant's value)" : valueText(k.default)}`);
        this.log(`    ${k.doc}`);
        this.log(`    accepts: ${k.accepts}`);
      }
      return keys;
    } catch (err) {
      return failWith(this, err);
    }
  }
}
