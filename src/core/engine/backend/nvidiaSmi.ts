// The machine's NVIDIA GPUs as nvidia-smi reports them, without loading TensorFlow: what a native backend records
// about its devices (backend.ts) and what `nfx doctor` shows when the GPU backend does not load (doctor.ts).
import { execFileSync } from "node:child_process";

/** GPU names and the driver's CUDA version from nvidia-smi; empty when it is absent. */
export function nvidiaSmi(): { gpus: string[]; cuda?: string } {
  try {
    const names = execFileSync("nvidia-smi", ["--query-gpu=name,driver_version", "--format=csv,noheader"], {
      encoding: "utf8",
      timeout: 5000,
      stdio: ["ignore", "pipe", "ignore"],
    });
    const header = execFileSync("nvidia-smi", [], {
      encoding: "utf8",
      timeout: 5000,
      stdio: ["ignore", "pipe", "ignore"],
    });
    const cuda = /CUDA Version:\s*([\d.]+)/.exec(header)?.[1];
    const gpus = names
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l.length > 0);
    return cuda === undefined ? { gpus } : { gpus, cuda };
  } catch {
    return { gpus: [] };
  }
}
