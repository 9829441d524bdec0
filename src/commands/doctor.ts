import { Flags } from "@oclif/core";
import { BACKEND_NAMES, type BackendName } from "../core/engine/backend/backend.js";
import { type DoctorReport, diagnoseBackend } from "../core/engine/backend/doctor.js";
import { SIMD_KERNELS_BUILD_LABEL } from "../core/engine/wasm/simdKernels.js";
import { NfxCommand } from "../ui/command.js";
import { failWith } from "../ui/errors.js";

export type { DoctorReport };

export default class Doctor extends NfxCommand {
  static override description =
    "Show which compute backend nfx uses and why, its versions, SIMD/threads or GPU/CUDA, and how to install the GPU backend. With --backend, check that backend: when it cannot run here, say why and what to do, and exit 1.";
  static override examples = [
    "<%= config.bin %> doctor",
    "<%= config.bin %> doctor --backend tensorflow-gpu",
    "<%= config.bin %> doctor --json",
  ];
  static override enableJsonFlag = true;
  static override flags = {
    backend: Flags.string({ description: "backend to check", options: [...BACKEND_NAMES], default: "auto" }),
  };

  async run(): Promise<DoctorReport> {
    const { flags } = await this.parse(Doctor);
    // A backend that cannot run is a diagnosis (the report); only an unknown failure is an error.
    const report = await diagnoseBackend(flags.backend as BackendName).catch((err: unknown) => failWith(this, err));
    const numbered = (steps: readonly string[]) => {
      steps.forEach((s, i) => {
        this.log(`  ${i + 1}. ${s}`);
      });
    };
    const info = report.backend;
    if (info === null) {
      this.log(`backend: ${report.requested} cannot run here`);
      for (const u of report.unavailable) {
        this.log(`  ${u.name}: ${u.why}`);
        this.log(`  problem: ${u.problem}`);
        if (u.steps.length > 0) {
          this.log(`to use ${u.name}:`);
          numbered(u.steps);
        }
      }
    } else {
      this.log(`backend: ${info.name} ${info.version} (tfjs '${info.tfjsBackend}') on ${info.device}`);
      this.log(`  why: ${info.reason}`);
      if (info.simd !== undefined) this.log(`  SIMD: ${info.simd ? "yes" : "no"}`);
      if (info.threads !== undefined) this.log(`  threads: ${info.threads}`);
      if (info.nfxKernels !== undefined) this.log(`  nfx conv kernels: ${SIMD_KERNELS_BUILD_LABEL[info.nfxKernels]}`);
      if (info.native !== undefined) {
        const n = info.native;
        this.log(`  TensorFlow ${n.tensorflowVersion}, GPU in use: ${n.usingGpu ? "yes" : "no"}`);
        this.log(`  TensorFlow threads: intra-op ${n.intraOpThreads}, inter-op ${n.interOpThreads}`);
        if (n.library !== null) this.log(`  libtensorflow: ${n.library}`);
        this.log(`  installed by: ${n.installedBy}`);
        for (const w of n.warnings) this.log(`  warning: ${w}`);
      }
      for (const s of info.skipped) {
        this.log(`  skipped ${s.name}: ${s.why}`);
        if (s.advice !== undefined && s.advice.problem !== "not-installed") {
          for (const step of s.advice.steps) this.log(`    - ${step}`);
        }
      }
    }
    const nf = report.nativeFiles;
    if (nf !== null && info?.native === undefined && nf.version !== null) {
      this.log(
        `${nf.package} ${nf.version} in ${nf.dir}: ${nf.problems.length === 0 ? "files complete" : nf.problems.join("; ")}`,
      );
      if (nf.problems.length > 0) this.log("  repair: npx nfx native install");
    }
    for (const g of report.gpus) this.log(`  GPU (nvidia-smi): ${g}`);
    if (report.cudaDriverVersion !== null) this.log(`  CUDA (driver supports): ${report.cudaDriverVersion}`);
    this.log("versions:");
    for (const [k, v] of Object.entries(report.versions)) this.log(`  ${k} ${v}`);
    if (info !== null && report.gpuInstallSteps.length > 0) {
      this.log("to train on an NVIDIA GPU (tfjs-node-gpu):");
      numbered(report.gpuInstallSteps);
    }
    if (info !== null && report.cpuInstallSteps.length > 0) {
      this.log("to train faster on this CPU (tfjs-node):");
      numbered(report.cpuInstallSteps);
    }
    return report.ok ? report : this.finish(report, 1);
  }
}
