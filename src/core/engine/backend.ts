// Backend choice. Every tfjs backend detail lives in src/core/engine: the rest of nfx asks for a backend by name
// and receives a BackendInfo to record on the run.
import { createRequire } from "node:module";
import os from "node:os";
import { tf } from "./tf.js";

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
  /** Backends tried before this one and why they were not used. */
  skipped: { name: ConcreteBackend; why: string }[];
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

/** Loads the package that registers a backend with tfjs. Throws with the reason when it cannot. */
async function loadBackendPackage(name: ConcreteBackend): Promise<void> {
  switch (name) {
    case "cpu":
      return; // bundled with @tensorflow/tfjs
    case "wasm": {
      await import("@tensorflow/tfjs-backend-wasm");
      const { registerWasmGradients } = await import("./wasmGradients.js");
      registerWasmGradients();
      return;
    }
    case "tensorflow":
    case "tensorflow-gpu": {
      // Optional peers: absent on most machines (their install downloads libtensorflow from outside npm).
      const pkg = PACKAGE_OF[name];
      try {
        await import(pkg);
      } catch (err) {
        const msg = err instanceof Error ? err.message.split("\n")[0] : String(err);
        throw new Error(`${pkg} is not installed or failed to load (${msg})`);
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

function deviceOf(name: ConcreteBackend): string {
  if (name === "tensorflow-gpu") return "CUDA GPU (tfjs-node-gpu)";
  return cpuDevice();
}

let current: BackendInfo | undefined;

/** The backend initBackend chose last, if any. */
export function currentBackend(): BackendInfo | undefined {
  return current;
}

async function tryBackend(name: ConcreteBackend): Promise<void> {
  await loadBackendPackage(name);
  const tfjsName = name === "tensorflow-gpu" ? "tensorflow" : name;
  const ok = await tf.setBackend(tfjsName);
  if (!ok) throw new Error(`tfjs could not initialise the '${tfjsName}' backend`);
  await tf.ready();
  selfCheck();
}

/**
 * Selects and initialises a backend. `auto` takes the fastest one that loads and passes a one-step self-check.
 * A named backend that fails throws with the reason.
 */
export async function initBackend(requested: BackendName = "auto"): Promise<BackendInfo> {
  if (!(BACKEND_NAMES as readonly string[]).includes(requested)) {
    throw new Error(`unknown backend '${requested}' (known: ${BACKEND_NAMES.join(", ")})`);
  }
  if (current && (current.requested === requested || current.name === requested)) return current;
  const candidates = requested === "auto" ? AUTO_ORDER : [requested];
  const skipped: BackendInfo["skipped"] = [];
  for (const name of candidates) {
    try {
      await tryBackend(name);
      current = {
        requested,
        name,
        tfjsBackend: tf.getBackend(),
        version: packageVersion(PACKAGE_OF[name]),
        device: deviceOf(name),
        reason: requested === "auto" ? `fastest backend that loaded and passed the self-check` : `requested explicitly`,
        skipped,
      };
      return current;
    } catch (err) {
      skipped.push({ name, why: err instanceof Error ? err.message : String(err) });
    }
  }
  const why = skipped.map((s) => `${s.name}: ${s.why}`).join("; ");
  throw new Error(`no usable backend for '${requested}' (${why})`);
}
