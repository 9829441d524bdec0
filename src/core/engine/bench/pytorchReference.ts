// PyTorch's time for the two-conv step on one CPU thread, measured on this machine when python3 can import torch
// (Debian/Ubuntu: `apt-get install python3-torch`). The issue's yardstick is "within 3.5× of PyTorch on the same
// machine"; without PyTorch, nfx falls back to the issue author's figure and says so.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The issue author's single-thread PyTorch time for the two-conv step on these machines (ms). */
export const PYTORCH_TWO_CONV_MS = 150;

/** The package root's bench/ folder (this file is at src|dist/core/engine/bench/). */
const BENCH_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../../bench");
const SCRIPT = path.join(BENCH_DIR, "pytorch_two_conv.py");
/** bench/pytorch_nf_resnet_micro.py: reference/torch_nfx.py's NF-ResNet at nfx's nf-resnet-micro row. */
const NF_RESNET_MICRO_SCRIPT = path.join(BENCH_DIR, "pytorch_nf_resnet_micro.py");

export interface PytorchReference {
  /** Median step time (ms). */
  ms: number;
  /** Fastest step (ms), when the script measured one (its steps swing: the median can be 1.35× the fastest). */
  minMs?: number;
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
    const got = runWith(python, SCRIPT, batch);
    if (typeof got !== "string") return got;
    reasons.push(`${python}: ${got}`);
  }
  return {
    ms: (PYTORCH_TWO_CONV_MS * batch) / 32,
    source: `the issue's reference ≈${PYTORCH_TWO_CONV_MS} ms at batch 32, not measured here (${reasons.join("; ")})`,
    measured: false,
  };
}

/**
 * PyTorch's time for nfx's whole nf-resnet-micro training step (28×28×1, 10 classes; forward, label-smoothed loss,
 * backward, unit-wise AGC, weight decay, Nesterov SGD) at `batch` images, float32 on one thread, from
 * bench/pytorch_nf_resnet_micro.py (≈5 s). AGC as `nfx bench training`'s step (src/experiments/trainingBench.ts):
 * λ 0.01, only the classifier weight excluded, lr 0.01.
 * @returns null, with the reasons, when no candidate python has torch: there is no fallback figure for this step.
 */
export function pytorchNfResnetMicroReference(
  batch: number,
  candidates: string[] = pythons(),
): PytorchReference | { reasons: string } {
  const reasons: string[] = [];
  for (const python of candidates) {
    const got = runWith(python, NF_RESNET_MICRO_SCRIPT, batch, [
      "--lambda",
      "0.01",
      "--exclude",
      "classifier_weight",
      "--lr",
      "0.01",
    ]);
    if (typeof got !== "string") return got;
    reasons.push(`${python}: ${got}`);
  }
  return { reasons: reasons.join("; ") };
}

/** The measurement, or why it failed. Both scripts print one JSON line whose `median_ms` is either at its top level
 * or under `step`. */
function runWith(python: string, script: string, batch: number, extra: string[] = []): PytorchReference | string {
  if (!fs.existsSync(script)) return `${script} is missing`;
  const res = spawnSync(python, [script, "--batch", String(batch), ...extra], { encoding: "utf8", timeout: 180_000 });
  if (res.error) return res.error.message;
  if (res.status !== 0) {
    const last = res.stderr.trim().split("\n").pop() ?? "";
    return last.includes("No module named") ? "no torch" : `the script failed: ${last}`;
  }
  try {
    const out = JSON.parse(res.stdout.trim().split("\n").pop() ?? "") as {
      median_ms?: number;
      min_ms?: number;
      step?: { median_ms: number; min_ms?: number };
      framework: string;
      threads: number;
    };
    const ms = out.median_ms ?? out.step?.median_ms;
    if (typeof ms !== "number") return "unreadable output from the script";
    const minMs = out.min_ms ?? out.step?.min_ms;
    return {
      ms,
      ...(typeof minMs === "number" ? { minMs } : {}),
      source: `${out.framework}, ${out.threads} thread, measured now on this machine (${python})`,
      measured: true,
    };
  } catch {
    return "unreadable output from the script";
  }
}
