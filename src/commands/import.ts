import fs from "node:fs";
import { Args } from "@oclif/core";
import { importBundle, readBundle } from "../core/store/bundle.js";
import { RunStore } from "../core/store/runStore.js";
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
    // A store this command creates is removed again if the import fails: a failed import leaves nothing behind.
    let created = false;
    try {
      // The bundle is read and checked whole before the store is opened (or created).
      const lines = readBundle(args.bundle);
      created = !fs.existsSync(flags.db);
      const store = RunStore.open(flags.db);
      try {
        const res = importBundle(store, args.bundle, {}, lines);
        if (!this.jsonEnabled()) {
          this.log(
            `${args.bundle} → ${flags.db}: ${res.inserted} new, ${res.replaced} replaced (finished beats unfinished), ` +
              `${res.kept} already there, ${res.sweeps} sweeps added`,
          );
        }
        return res;
      } finally {
        store.close();
      }
    } catch (err) {
      if (created) for (const f of [flags.db, `${flags.db}-wal`, `${flags.db}-shm`]) fs.rmSync(f, { force: true });
      return failWith(this, err);
    }
  }
}
