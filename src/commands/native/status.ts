import { Flags } from "@oclif/core";
import { type NativeStatus, nativeStatus } from "../../core/engine/native/nativeStatus.js";
import { NfxCommand } from "../../ui/command.js";
import { failWith } from "../../ui/errors.js";

export default class NativeStatusCommand extends NfxCommand {
  static override description =
    "Whether the native TensorFlow backend (tfjs-node) is installed and loads: its files, the libtensorflow it loads and from where (checked in a fresh process). Exits 1 when it cannot run.";
  static override examples = ["<%= config.bin %> native status", "<%= config.bin %> native status --json"];
  static override enableJsonFlag = true;
  static override flags = {
    gpu: Flags.boolean({ description: "check tfjs-node-gpu instead", default: false }),
  };

  async run(): Promise<NativeStatus> {
    const { flags } = await this.parse(NativeStatusCommand);
    let status: NativeStatus;
    try {
      status = nativeStatus(flags.gpu ? "gpu" : "cpu");
    } catch (err) {
      return failWith(this, err);
    }
    if (status.ok) {
      this.log(`${status.package} ${status.version}: TensorFlow ${status.check?.tensorflowVersion} (ok)`);
      this.log(`  loads ${status.check?.loadedLibrary ?? status.library}`);
      this.log(
        `  package: ${status.dir} (${status.source === "nfx" ? `nfx native install, from ${status.wheel}` : "npm"})`,
      );
      this.log(`  self-check: conv gradient within ${status.check?.maxAbsDiff?.toExponential(1)} of the cpu backend`);
    } else {
      this.log(`${status.package}: cannot run here`);
      for (const p of status.problems) this.log(`  ${p}`);
      if (status.check?.error) this.log(`  self-check: ${status.check.error}`);
      this.log("  fix: npx nfx native install");
    }
    return status.ok ? status : this.finish(status, 1);
  }
}
