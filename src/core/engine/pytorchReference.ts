// PyTorch's time for the two-conv step on one CPU thread, measured on this machine when python3 can import torch
// (Debian/Ubuntu: `apt-get install python3-torch`). The issue's yardstick is "within 3.5× of PyTorch on the same
// machine"; without PyTorch, nfx falls back to the issue author's figure and says so.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The issue author's single-thread PyTorch time for the two-conv step on these machines (ms). */
export const PYTORCH_TWO_CONV_MS = 150;

/** bench/pytorch_two_conv.py at the package root (this file is at src|dist/core/engine/). */
const SCRIPT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../bench/pytorch_two_conv.py");

export interface PytorchReference {
  /** Median step time (ms). */
  ms: number;
  /** Where the number comes from, for people: "pytorch 1.13.1, 1 thread, measured now" or the fallback's reason. */
  source: string;
  measured: boolean;
}

/** Pythons to try: NFX_PYTHON if set, else the one on PATH and the system's (pyenv shims often hide the latter). */
function pythons(): string[] {
  const env = process.env.NFX_PYTHON;
  return env ? [env] : ["python3", "/usr/bin/python3"];
}

/** Runs the PyTorch reference script (≈5 s), or returns the figure with the reason it could not. */
export function pytorchTwoConvReference(batch: number, candidates: string[] = pythons()): PytorchReference {
  const reasons: string[] = [];
  for (const python of candidates) {
    const got = runWith(python, batch);
    if (typeof got !== "string") return got;
    reasons.push(`${python}: ${got}`);
  }
  return {
    ms: (PYTORCH_TWO_CONV_MS * batch) / 32,
    source: `the issue's reference ≈${PYTORCH_TWO_CONV_MS} ms at batch 32, not measured here (${reasons.join("; ")})`,
    measured: false,
  };
}

/** The measurement, or why it failed. */
function runWith(python: string, batch: number): PytorchReference | string {
  if (!fs.existsSync(SCRIPT)) return `${SCRIPT} is missing`;
  const res = spawnSync(python, [SCRIPT, "--batch", String(batch)], { encoding: "utf8", timeout: 180_000 });
  if (res.error) return res.error.message;
  if (res.status !== 0) {
    const last = res.stderr.trim().split("\n").pop() ?? "";
    return last.includes("No module named") ? "no torch" : `the script failed: ${last}`;
  }
  try {
    const out = JSON.parse(res.stdout.trim().split("\n").pop() ?? "") as {
      median_ms: number;
      framework: string;
      threads: number;
    };
    return {
      ms: out.median_ms,
      source: `${out.framework}, ${out.threads} thread, measured now on this machine (${python})`,
      measured: true,
    };
  } catch {
    return "unreadable output from the script";
  }
}
