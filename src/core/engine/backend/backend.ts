// Backend choice. Every tfjs backend detail lives in src/core/engine: the rest of nfx asks for a backend by name
// and receives a BackendInfo to record on the run.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { tf } from "../tf.js";
import { watchWasmAbort } from "../wasm/wasmMemory.js";
import { adviseOnLoadError, isHopper, type NativeAdvice } from "./nativeAdvice.js";
import { nvidiaSmi } from "./nvidiaSmi.js";

export const BACKEND_NAMES = ["auto", "tensorflow-gpu", "tensorflow", "wasm", "cpu"] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];
/** A concrete backend, as opposed to `auto`. */
export type ConcreteBackend = Exclude<BackendName, "auto">;

export interface BackendInfo {
  /** What the user asked for (`auto` included). */
  requested: BackendName;
  /** The backend that runs. */
  name: ConcreteBackend;
  /** tfjs's own name for it (`tensorflow` for both tfjs-node flavours). */
  tfjsBackend: string;
  /** Version of the package that provides it. */
  version: string;
  /** Human-readable device: CPU model and core count, or the GPU. */
  device: string;
  /** Why this backend was chosen (auto) or that it was requested. */
  reason: string;
  /** Backends tried before this one and why they were not used (with advice for the native ones). */
  skipped: { name: ConcreteBackend; why: string; advice?: NativeAdvice }[];
  /** wasm: whether the SIMD build runs. */
  simd?: boolean;
  /** Threads the backend computes with (wasm: XNNPACK's thread pool, see wasmThreads.ts; tensorflow: TensorFlow's
   * intra-op pool, TF_NUM_INTRAOP_THREADS). */
  threads?: number;
  /** wasm: which build of nfx's own SIMD conv kernels runs ("fma": fused multiply-adds; see simdKernels.ts). */
  nfxKernels?: "fma" | "simd" | "none";
  /** tensorflow / tensorflow-gpu: the libtensorflow version and whether TensorFlow placed ops on a GPU. */
  native?: NativeInfo;
}

export interface NativeInfo {
  tensorflowVersion: string;
  usingGpu: boolean;
  /** From nvidia-smi when present: GPU name, driver, and the CUDA version the driver supports. */
  gpus: string[];
  cudaDriverVersion?: string;
  /** Warnings that apply to this machine (e.g. Hopper PTX JIT on first use). */
  warnings: string[];
  /** TensorFlow's intra-op / inter-op thread pools (TF_NUM_INTRAOP_THREADS / TF_NUM_INTEROP_THREADS at load). */
  intraOpThreads: number;
  interOpThreads: number;
  /** The libtensorflow file the process loaded (/proc/self/maps), when known. */
  library: string | null;
  /** `nfx native install` (and its wheel) or `npm`: who placed tfjs-node. */
  installedBy: string;
}

export interface InitBackendOptions {
  /**
   * tensorflow / tensorflow-gpu: TensorFlow's intra-op threads per process (default: $TF_NUM_INTRAOP_THREADS, else
   * every core). The inter-op pool gets 1 (default: $TF_NUM_INTEROP_THREADS): tfjs-node runs ops one at a time,
   * so a wider inter-op pool would only add idle threads. Fixed once libtensorflow is loaded (process-wide).
   * Ignored by wasm (1 thread, see wasmThreads.ts) and cpu.
   */
  threads?: number;
}

/** Cores this process may use. */
export function availableCores(): number {
  return typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length;
}

/** A positive integer from an environment variable, else null. */
function envThreads(name: string): number | null {
  const v = process.env[name];
  if (v === undefined || !/^\d+$/.test(v.trim())) return null;
  const n = Number.parseInt(v, 10);
  return n > 0 ? n : null;
}

/**
 * Sets TF_NUM_INTRAOP_THREADS / TF_NUM_INTEROP_THREADS for libtensorflow, which reads them once, when tfjs-node
 * creates its eager context (at load). An explicit `threads` wins over the environment.
 */
function setNativeThreadEnv(threads: number | undefined): void {
  if (threads !== undefined) process.env.TF_NUM_INTRAOP_THREADS = String(threads);
  else if (envThreads("TF_NUM_INTRAOP_THREADS") === null) process.env.TF_NUM_INTRAOP_THREADS = String(availableCores());
  if (envThreads("TF_NUM_INTEROP_THREADS") === null) process.env.TF_NUM_INTEROP_THREADS = "1";
  // TensorFlow's C++ INFO lines (oneDNN notice, CPU feature banner) on every start; warnings and errors stay.
  if (process.env.TF_CPP_MIN_LOG_LEVEL === undefined) process.env.TF_CPP_MIN_LOG_LEVEL = "1";
}

/** Order `auto` tries, fastest first. */
export const AUTO_ORDER: readonly ConcreteBackend[] = ["tensorflow-gpu", "tensorflow", "wasm", "cpu"];

const require = createRequire(import.meta.url);

function packageVersion(pkg: string): string {
  try {
    return (require(`${pkg}/package.json`) as { version: string }).version;
  } catch {
    return "unknown";
  }
}

const PACKAGE_OF: Record<ConcreteBackend, string> = {
  "tensorflow-gpu": "@tensorflow/tfjs-node-gpu",
  tensorflow: "@tensorflow/tfjs-node",
  wasm: "@tensorflow/tfjs-backend-wasm",
  cpu: "@tensorflow/tfjs-backend-cpu",
};

function cpuDevice(): string {
  const cpus = os.cpus();
  const model = cpus[0]?.model?.trim() ?? "unknown CPU";
  return `${model} (${cpus.length} cores)`;
}

/** The requested backend (for `auto`: every backend) failed to load or to pass the self-check. */
export class BackendUnavailableError extends Error {
  constructor(
    readonly requested: BackendName,
    /** Each backend tried, why it failed, and for tfjs-node(-gpu) what to do about it. */
    readonly tried: BackendInfo["skipped"],
  ) {
    const why = tried.map((s) => `${s.name}: ${s.why}`).join("; ");
    super(`no usable backend for '${requested}' (${why}); \`nfx doctor --backend ${requested}\` says what to do`);
    this.name = "BackendUnavailableError";
  }
}

/** A load failure of tfjs-node(-gpu), with the matching advice attached. */
export class NativeLoadError extends Error {
  constructor(
    message: string,
    readonly advice: NativeAdvice,
  ) {
    super(message);
  }
}

/**
 * Checks, without loading anything, that the package a requested backend needs is installed, so that a sweep can
 * refuse an absent tfjs-node(-gpu) before it writes anything (its workers would only find out when they start).
 * `auto`, wasm and cpu always pass (auto falls back). Whether an installed package loads is known only by loading it.
 * @throws BackendUnavailableError naming the missing package and `nfx doctor --backend NAME`.
 */
export function checkBackendInstalled(requested: BackendName): void {
  if (requested !== "tensorflow" && requested !== "tensorflow-gpu") return;
  // tfjs-node-gpu also serves `tensorflow` (see loadBackendPackage).
  const pkgs =
    requested === "tensorflow" ? [PACKAGE_OF.tensorflow, PACKAGE_OF["tensorflow-gpu"]] : [PACKAGE_OF[requested]];
  for (const pkg of pkgs) {
    try {
      require.resolve(`${pkg}/package.json`);
      return;
    } catch {
      // not this one
    }
  }
  throw new BackendUnavailableError(requested, [{ name: requested, why: `${PACKAGE_OF[requested]} is not installed` }]);
}

/** Loads the package that registers a backend with tfjs. Throws with the reason when it cannot. */
async function loadBackendPackage(name: ConcreteBackend, opts: InitBackendOptions): Promise<void> {
  switch (name) {
    case "cpu":
      return; // bundled with @tensorflow/tfjs
    case "wasm": {
      await import("@tensorflow/tfjs-backend-wasm");
      const { registerWasmGradients } = await import("../wasm/wasmGradients.js");
      registerWasmGradients();
      return;
    }
    case "tensorflow":
    case "tensorflow-gpu": {
      // tfjs-node-gpu registers the same 'tensorflow' backend; when it is loaded it serves `tensorflow` too.
      if (name === "tensorflow" && tf.findBackend("tensorflow") !== null) return;
      // Optional peers: absent on most machines (their install downloads libtensorflow from outside npm).
      const pkg = PACKAGE_OF[name];
      setNativeThreadEnv(opts.threads);
      try {
        await import(pkg);
      } catch (err) {
        const full = err instanceof Error ? err.message : String(err);
        const advice = adviseOnLoadError(pkg, full);
        const msg = full.split("\n")[0];
        throw new NativeLoadError(`${pkg} is not installed or failed to load (${msg})`, advice);
      }
      return;
    }
  }
}

/** One tiny forward+backward step: a backend that cannot do this cannot train. */
function selfCheck(): void {
  tf.tidy(() => {
    const x = tf.randomNormal([2, 5, 5, 3], 0, 1, "float32", 1) as tf.Tensor4D;
    const w = tf.variable(tf.randomNormal([3, 3, 3, 4], 0, 0.1, "float32", 2), true, "nfx_selfcheck_w");
    try {
      const g = tf.grad((wt) =>
        tf
          .conv2d(x, wt as tf.Tensor4D, 2, "same")
          .square()
          .mean(),
      )(w);
      const v = g.dataSync();
      if (!v.every(Number.isFinite)) throw new Error("self-check produced a non-finite gradient");
    } finally {
      w.dispose();
    }
  });
}

/** What tfjs-node exposes about itself: `isUsingGpuDevice` on its backend, `TF_Version` on its binding. */
interface NodeBackendShape {
  isUsingGpuDevice?: boolean;
  binding?: { TF_Version?: string };
}

function nativeInfo(): NativeInfo {
  const b = tf.backend() as unknown as NodeBackendShape;
  const smi = nvidiaSmi();
  const usingGpu = b.isUsingGpuDevice === true;
  const warnings: string[] = [];
  if (usingGpu && smi.gpus.some(isHopper)) {
    warnings.push(
      "Hopper GPU: TensorFlow 2.9 (tfjs-node-gpu 4.22) has no sm_90 kernels and JIT-compiles them from PTX on first use; the first steps can take many minutes. Set CUDA_CACHE_MAXSIZE=4294967296 so the compiled kernels are cached for later runs.",
    );
  }
  const pkg = usingGpu ? PACKAGE_OF["tensorflow-gpu"] : PACKAGE_OF.tensorflow;
  const info: NativeInfo = {
    tensorflowVersion: b.binding?.TF_Version ?? "unknown",
    usingGpu,
    gpus: smi.gpus,
    warnings,
    intraOpThreads: envThreads("TF_NUM_INTRAOP_THREADS") ?? availableCores(),
    interOpThreads: envThreads("TF_NUM_INTEROP_THREADS") ?? availableCores(),
    library: loadedLibtensorflow(),
    installedBy: installedBy(pkg),
  };
  if (smi.cuda !== undefined) info.cudaDriverVersion = smi.cuda;
  return info;
}

/** The libtensorflow shared object this process mapped (Linux: /proc/self/maps), else null. */
function loadedLibtensorflow(): string | null {
  try {
    const maps = readFileSync("/proc/self/maps", "utf8");
    for (const line of maps.split("\n")) {
      const file = line.trim().split(/\s+/)[5];
      if (file !== undefined && /\/libtensorflow(_cc)?\.so/.test(file)) return file;
    }
  } catch {
    // not Linux
  }
  return null;
}

/** Who placed a tfjs-node package: nfx native install leaves nfx-native.json in it (see nativeInstall.ts). */
function installedBy(pkg: string): string {
  try {
    const dir = path.dirname(require.resolve(`${pkg}/package.json`));
    const marker = JSON.parse(readFileSync(path.join(dir, "nfx-native.json"), "utf8")) as { wheel?: string };
    return `nfx native install (${marker.wheel ?? "wheel"})`;
  } catch {
    return "npm";
  }
}

function deviceOf(name: ConcreteBackend, native: NativeInfo | undefined): string {
  if (name === "tensorflow-gpu") {
    const gpu = native?.gpus[0];
    return gpu === undefined
      ? "CUDA GPU (tfjs-node-gpu)"
      : `${gpu}${native?.usingGpu ? "" : " (not used by TensorFlow)"}`;
  }
  return cpuDevice();
}

/**
 * tfjs's cpu backend prints "Hi, looks like you are running TensorFlow.js in Node.js…" on its first tensor. nfx
 * chooses its backend itself (and `nfx doctor` explains the native install), so the banner is only noise; it is
 * keyed on the backend's `firstUse` field, which we clear. Other tfjs warnings stay on.
 */
function silenceNodeBanner(): void {
  const cpu = tf.findBackend("cpu") as unknown as { firstUse?: boolean } | null;
  if (cpu !== null && typeof cpu.firstUse === "boolean") cpu.firstUse = false;
}

let current: BackendInfo | undefined;

/** One line for people: "wasm 4.22.0 on AMD EPYC (2 cores): SIMD, 1 thread, nfx kernels fma". */
export function describeBackend(info: BackendInfo): string {
  const parts: string[] = [];
  if (info.simd !== undefined) parts.push(info.simd ? "SIMD" : "no SIMD");
  if (info.threads !== undefined) parts.push(`${info.threads} thread${info.threads === 1 ? "" : "s"}`);
  if (info.nfxKernels !== undefined) parts.push(`nfx kernels ${info.nfxKernels}`);
  if (info.native !== undefined)
    parts.push(
      `TensorFlow ${info.native.tensorflowVersion}${info.native.usingGpu ? " on GPU" : ""}, inter-op ${info.native.interOpThreads}`,
    );
  return `${info.name} ${info.version} on ${info.device}${parts.length > 0 ? `: ${parts.join(", ")}` : ""}`;
}

/** The backend initBackend chose last, if any. */
export function currentBackend(): BackendInfo | undefined {
  return current;
}

async function tryBackend(name: ConcreteBackend, opts: InitBackendOptions): Promise<void> {
  await loadBackendPackage(name, opts);
  const tfjsName = name === "tensorflow-gpu" ? "tensorflow" : name;
  const ok = await tf.setBackend(tfjsName);
  if (!ok) throw new Error(`tfjs could not initialise the '${tfjsName}' backend`);
  await tf.ready();
  selfCheck();
}

/**
 * Selects and initialises a backend. `auto` takes the fastest one that loads and passes a one-step self-check.
 * @throws BackendUnavailableError naming each backend tried and why it failed; Error for an unknown name.
 */
export async function initBackend(
  requested: BackendName = "auto",
  opts: InitBackendOptions = {},
): Promise<BackendInfo> {
  if (!(BACKEND_NAMES as readonly string[]).includes(requested)) {
    throw new Error(`unknown backend '${requested}' (known: ${BACKEND_NAMES.join(", ")})`);
  }
  if (current && (current.requested === requested || current.name === requested)) return current;
  silenceNodeBanner();
  const candidates = requested === "auto" ? AUTO_ORDER : [requested];
  const skipped: BackendInfo["skipped"] = [];
  for (const name of candidates) {
    try {
      await tryBackend(name, opts);
      const native = name === "tensorflow" || name === "tensorflow-gpu" ? nativeInfo() : undefined;
      if (name === "tensorflow-gpu" && native !== undefined && !native.usingGpu) {
        throw new Error("tfjs-node-gpu loaded but TensorFlow found no usable GPU (it would run on the CPU)");
      }
      const info: BackendInfo = {
        requested,
        name,
        tfjsBackend: tf.getBackend(),
        version: packageVersion(PACKAGE_OF[name]),
        device: deviceOf(name, native),
        reason:
          requested === "auto"
            ? skipped.length === 0
              ? "fastest backend; it loaded and passed the self-check"
              : `fastest backend that loaded and passed the self-check (faster ones unavailable: ${skipped.map((s) => s.name).join(", ")})`
            : "requested explicitly",
        skipped,
      };
      if (name === "wasm") {
        const { wasmFeatures } = await import("../wasm/wasmThreads.js");
        Object.assign(info, await wasmFeatures());
        watchWasmAbort();
      } else if (name === "cpu") {
        info.threads = 1;
      } else if (native !== undefined) {
        info.threads = native.intraOpThreads;
      }
      if (native !== undefined) info.native = native;
      current = info;
      return current;
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      skipped.push(err instanceof NativeLoadError ? { name, why, advice: err.advice } : { name, why });
    }
  }
  throw new BackendUnavailableError(requested, skipped);
}
