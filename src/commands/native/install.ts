import { Flags } from "@oclif/core";
import { formatBytes, installNative, type NativeInstallReport } from "../../core/engine/native/nativeInstall.js";
import { NfxCommand } from "../../ui/command.js";
import { failWith } from "../../ui/errors.js";
import { quietFlag } from "../../ui/flags.js";

export default class NativeInstall extends NfxCommand {
  static override description =
    "Install the native TensorFlow backend (tfjs-node) without the internet: libtensorflow from a TensorFlow wheel that pip fetches from the configured index (or --wheel FILE), the addon compiled here. Idempotent; repairs an install that npm ci wiped.";
  static override examples = [
    "<%= config.bin %> native install",
    "<%= config.bin %> native install --wheel ./tensorflow_cpu-2.21.0-cp311-cp311-manylinux_2_27_x86_64.whl",
    "<%= config.bin %> native install --json",
  ];
  static override enableJsonFlag = true;
  static override flags = {
    wheel: Flags.string({ description: "a TensorFlow wheel file to take libtensorflow from (default: pip download)" }),
    gpu: Flags.boolean({
      description: "install tfjs-node-gpu from a GPU build of TensorFlow (default wheel: tensorflow==2.21.*; untested)",
      default: false,
    }),
    force: Flags.boolean({ description: "rebuild the addon and re-place the package", default: false }),
    "cache-dir": Flags.string({ description: "nfx's cache directory (default: $NFX_CACHE_DIR or ~/.cache/nfx)" }),
    quiet: quietFlag,
  };

  async run(): Promise<NativeInstallReport> {
    const { flags } = await this.parse(NativeInstall);
    const quiet = flags.quiet || this.jsonEnabled();
    try {
      const report = await installNative({
        flavour: flags.gpu ? "gpu" : "cpu",
        ...(flags.wheel === undefined ? {} : { wheel: flags.wheel }),
        ...(flags["cache-dir"] === undefined ? {} : { cacheDir: flags["cache-dir"] }),
        force: flags.force,
        progress: quiet ? () => {} : (line) => this.logToStderr(line),
      });
      if (!this.jsonEnabled()) {
        const s = report.status;
        this.log(
          `${report.package} ${report.version}: TensorFlow ${s.check?.tensorflowVersion} from ${s.check?.loadedLibrary ?? s.library}`,
        );
        this.log(`  installed in ${s.dir}`);
        this.log(`  cache: ${formatBytes(report.cacheBytes)} (wheel ${formatBytes(report.wheel.bytes)})`);
        for (const st of report.steps) {
          this.log(
            `  ${st.step.padEnd(6)} ${st.action.padEnd(6)} ${st.seconds.toFixed(1).padStart(5)} s  ${st.detail}`,
          );
        }
      }
      return report;
    } catch (err) {
      return failWith(this, err);
    }
  }
}
