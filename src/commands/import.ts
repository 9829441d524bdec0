import { Args } from "@oclif/core";
import { importBundleFile } from "../core/store/bundle.js";
import { NfxCommand } from "../ui/command.js";
import { failWith } from "../ui/errors.js";
import { dbFlag } from "../ui/flags.js";

export default class Import extends NfxCommand {
  static override description =
    "Merge a bundle (from `nfx export --format bundle`) into the store by config hash; importing twice changes nothing.";
  static override examples = ["<%= config.bin %> import lambda.nfxb --db results/other.db"];
  static override enableJsonFlag = true;
  static override args = { bundle: Args.string({ description: "bundle file", required: true }) };
  static override flags = { db: dbFlag };

  async run(): Promise<unknown> {
    const { args, flags } = await this.parse(Import);
    try {
      const res = importBundleFile(flags.db, args.bundle);
      if (!this.jsonEnabled()) {
        this.log(
          `${args.bundle} → ${flags.db}: ${res.inserted} new, ${res.replaced} replaced (finished beats unfinished), ` +
            `${res.kept} already there, ${res.sweeps} sweeps added`,
        );
      }
      return res;
    } catch (err) {
      return failWith(this, err);
    }
  }
}
