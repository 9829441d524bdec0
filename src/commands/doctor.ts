import { createRequire } from "node:module";
import { Flags } from "@oclif/core";
import { BACKEND_NAMES, type BackendInfo, type BackendName, initBackend } from "../core/engine/backend.js";
import { CPU_INSTALL_STEPS, GPU_INSTALL_STEPS } from "../core/engine/nativeAdvice.js";
import { SIMD_KERNELS_BUILD_LABEL } from "../core/engine/simdKernels.js";
import { tf } from "../core/engine/tf.js";
import { NfxCommand } from "../ui/command.js";

const require = createRequire(import.meta.url);

function version(pkg: string): string {
  try {
    return (require(`${pkg}/package.json`) as { version: string }).version;
  } catch {
    return "not installed";
  }
}

export interface DoctorReport {
  backend: BackendInfo;
  versions: Record<string, string>;
  /** How to get a faster backend than the one chosen; empty when the GPU backend runs. */
  gpuInstallSteps: string[];
  cpuInstallSteps: string[];
}

export default class Doctor extends NfxCommand {
  static override description =
    "Show which compute backend nfx uses and why, its versions, SIMD/threads or GPU/CUDA, and how to install the GPU backend.";
  static override enableJsonFlag = true;
  static override flags = {
    backend: Flags.string({ description: "backend to check", options: [...BACKEND_NAMES], default: "auto" }),
  };

  async run(): Promise<DoctorReport> {
    const { flags } = await this.parse(Doctor);
    const info = await initBackend(flags.backend as BackendName);
    const versions: Record<string, string> = {
      node: process.versions.node,
      "@tensorflow/tfjs": tf.version.tfjs,
      "@tensorflow/tfjs-backend-wasm": version("@tensorflow/tfjs-backend-wasm"),
      "@tensorflow/tfjs-node": version("@tensorflow/tfjs-node"),
      "@tensorflow/tfjs-node-gpu": version("@tensorflow/tfjs-node-gpu"),
    };
    const onGpu = info.name === "tensorflow-gpu";
    const report: DoctorReport = {
      backend: info,
      versions,
      gpuInstallSteps: onGpu ? [] : [...GPU_INSTALL_STEPS],
      cpuInstallSteps: info.name === "wasm" || info.name === "cpu" ? [...CPU_INSTALL_STEPS] : [],
    };

    this.log(`backend: ${info.name} ${info.version} (tfjs '${info.tfjsBackend}') on ${info.device}`);
    this.log(`  why: ${info.reason}`);
    if (info.simd !== undefined) this.log(`  SIMD: ${info.simd ? "yes" : "no"}`);
    if (info.threads !== undefined) this.log(`  threads: ${info.threads}`);
    if (info.nfxKernels !== undefined) this.log(`  nfx conv kernels: ${SIMD_KERNELS_BUILD_LABEL[info.nfxKernels]}`);
    if (info.native !== undefined) {
      const n = info.native;
      this.log(`  TensorFlow ${n.tensorflowVersion}, GPU in use: ${n.usingGpu ? "yes" : "no"}`);
      for (const g of n.gpus) this.log(`  GPU: ${g}`);
      if (n.cudaDriverVersion !== undefined) this.log(`  CUDA (driver supports): ${n.cudaDriverVersion}`);
      for (const w of n.warnings) this.log(`  warning: ${w}`);
    }
    for (const s of info.skipped) {
      this.log(`  skipped ${s.name}: ${s.why}`);
      if (s.advice !== undefined && s.advice.problem !== "not-installed") {
        for (const step of s.advice.steps) this.log(`    - ${step}`);
      }
    }
    this.log("versions:");
    for (const [k, v] of Object.entries(versions)) this.log(`  ${k} ${v}`);
    if (!onGpu) {
      this.log("to train on an NVIDIA GPU (tfjs-node-gpu):");
      GPU_INSTALL_STEPS.forEach((s, i) => {
        this.log(`  ${i + 1}. ${s}`);
      });
    }
    if (report.cpuInstallSteps.length > 0) {
      this.log("to train faster on this CPU (tfjs-node):");
      CPU_INSTALL_STEPS.forEach((s, i) => {
        this.log(`  ${i + 1}. ${s}`);
      });
    }
    return report;
  }
}
