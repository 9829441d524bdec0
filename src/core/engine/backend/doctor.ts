// `nfx doctor`: which backend nfx uses and why, or, when the requested one cannot run here, why not and what to do.
// The install steps (GPU_INSTALL_STEPS) end with "Check: npx nfx doctor --backend tensorflow-gpu": that check has to
// diagnose a missing or broken tfjs-node-gpu, not fail with initBackend's raw error.
import { createRequire } from "node:module";
import { type NativeFiles, nativeFiles } from "../native/nativeStatus.js";
import { tf } from "../tf.js";
import {
  type BackendInfo,
  type BackendName,
  BackendUnavailableError,
  type ConcreteBackend,
  initBackend,
} from "./backend.js";
import { CPU_INSTALL_STEPS, GPU_INSTALL_STEPS } from "./nativeAdvice.js";
import { nvidiaSmi } from "./nvidiaSmi.js";

const require = createRequire(import.meta.url);

function installedVersion(pkg: string): string {
  try {
    return (require(`${pkg}/package.json`) as { version: string }).version;
  } catch {
    return "not installed";
  }
}

/** A backend that could not run, why, and what to do about it. */
export interface UnavailableBackend {
  name: ConcreteBackend;
  /** The load or self-check error, one line. */
  why: string;
  /** Short name of the problem: `not-installed`, `cuda-version`, `cudnn-version`, `native-addon-missing`, … */
  problem: string;
  /** What to do, one step a line (empty when nothing is known to help). */
  steps: string[];
}

export interface DoctorReport {
  /** The backend asked about (`auto`: the one nfx would choose). */
  requested: BackendName;
  /** Whether the requested backend loads and passes the self-check here. */
  ok: boolean;
  /** The backend that runs; null when the requested one cannot. */
  backend: BackendInfo | null;
  /** When not ok: each backend tried, why it failed, and what to do. */
  unavailable: UnavailableBackend[];
  /** NVIDIA GPUs that nvidia-smi lists (name, driver), whatever the backend; empty without nvidia-smi. */
  gpus: string[];
  /** The CUDA version the driver supports (nvidia-smi), when known. */
  cudaDriverVersion: string | null;
  versions: Record<string, string>;
  /** How to get the GPU backend; empty when it runs. */
  gpuInstallSteps: string[];
  /** How to get tfjs-node on the CPU; empty unless nfx runs on wasm or cpu (or tfjs-node was asked for). */
  cpuInstallSteps: string[];
  /** tfjs-node's files (installed? by whom? which libtensorflow?); null when nfx's node_modules cannot be found. */
  nativeFiles: NativeFiles | null;
}

function stepsFor(failure: BackendInfo["skipped"][number]): { problem: string; steps: string[] } {
  if (failure.advice !== undefined) return { problem: failure.advice.problem, steps: [...failure.advice.steps] };
  if (failure.name === "tensorflow-gpu") return { problem: "no-usable-gpu", steps: [...GPU_INSTALL_STEPS] };
  if (failure.name === "tensorflow") return { problem: "load-failed", steps: [...CPU_INSTALL_STEPS] };
  return {
    problem: "load-failed",
    steps: ["Reinstall nfx's dependencies (npm install); the wasm and cpu backends ship with @tensorflow/tfjs."],
  };
}

/**
 * Initializes `requested` as nfx would and reports it; a backend that cannot run is a diagnosis (`ok: false`, with
 * the reason and the steps), not an exception.
 * @throws Error for an unknown backend name, or anything initBackend throws other than BackendUnavailableError.
 */
export async function diagnoseBackend(requested: BackendName): Promise<DoctorReport> {
  let backend: BackendInfo | null = null;
  let unavailable: UnavailableBackend[] = [];
  try {
    backend = await initBackend(requested);
  } catch (err) {
    if (!(err instanceof BackendUnavailableError)) throw err;
    unavailable = err.tried.map((t) => ({ name: t.name, why: t.why, ...stepsFor(t) }));
  }
  const smi = nvidiaSmi();
  const name = backend?.name ?? null;
  const wantsCpuNative = requested === "tensorflow" || name === "wasm" || name === "cpu";
  return {
    requested,
    ok: backend !== null,
    backend,
    unavailable,
    gpus: backend?.native?.gpus ?? smi.gpus,
    cudaDriverVersion: backend?.native?.cudaDriverVersion ?? smi.cuda ?? null,
    versions: {
      node: process.versions.node,
      "@tensorflow/tfjs": tf.version.tfjs,
      "@tensorflow/tfjs-backend-wasm": installedVersion("@tensorflow/tfjs-backend-wasm"),
      "@tensorflow/tfjs-node": installedVersion("@tensorflow/tfjs-node"),
      "@tensorflow/tfjs-node-gpu": installedVersion("@tensorflow/tfjs-node-gpu"),
    },
    gpuInstallSteps: name === "tensorflow-gpu" ? [] : [...GPU_INSTALL_STEPS],
    cpuInstallSteps: wantsCpuNative && name !== "tensorflow" ? [...CPU_INSTALL_STEPS] : [],
    nativeFiles: safeNativeFiles(),
  };
}

function safeNativeFiles(): NativeFiles | null {
  try {
    return nativeFiles("cpu");
  } catch {
    return null;
  }
}
