// Step 1 of nativeInstall.ts when no wheel is given: the newest wheel in nfx's cache that matches the default
// requirement, else pip's download of it (from the configured index, so a mirror or proxy works offline of
// storage.googleapis.com). Also the one way the install runs an outside tool (pip here, npm in steps 3 and 4):
// a failure becomes one line naming the step and the tool's last error line.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import type { NativeFlavour } from "./nativeStatus.js";
import { parseWheelName } from "./nativeWheel.js";

/**
 * What pip downloads when no wheel is given. TensorFlow 2.21's C API still has every TF_* / TFE_* function that
 * tfjs-node 4.22's binding calls (checked on the wheel's libtensorflow_cc.so.2 exports); `tensorflow-cpu` is the
 * CPU-only build, `tensorflow` the one with CUDA kernels (its CUDA libraries come from pip's `and-cuda` extra).
 */
export const DEFAULT_WHEEL_SPEC: Record<NativeFlavour, { requirement: string; distribution: string; prefix: string }> =
  {
    cpu: { requirement: "tensorflow-cpu==2.21.*", distribution: "tensorflow_cpu", prefix: "2.21." },
    gpu: { requirement: "tensorflow==2.21.*", distribution: "tensorflow", prefix: "2.21." },
  };

/** Runs a command; on failure throws one line naming the step and the command's last error line. */
export function runTool(what: string, cmd: string, args: string[], cwd: string): string {
  const res = spawnSync(cmd, args, { cwd, encoding: "utf8", maxBuffer: 64 * 2 ** 20 });
  if (res.error) throw new Error(`${what}: could not run ${cmd} (${res.error.message})`);
  if (res.status !== 0) {
    const lines = `${res.stderr}\n${res.stdout}`.trim().split("\n");
    const line = lines.filter((l) => /error/i.test(l)).pop() ?? lines.pop() ?? "";
    throw new Error(`${what} failed: \`${cmd} ${args.join(" ")}\` exited ${res.status}: ${line.trim()}`);
  }
  return res.stdout;
}

/** The newest cached wheel that matches the default requirement. */
export function cachedWheel(wheelsDir: string, flavour: NativeFlavour): string | null {
  if (!fs.existsSync(wheelsDir)) return null;
  const spec = DEFAULT_WHEEL_SPEC[flavour];
  const found = fs
    .readdirSync(wheelsDir)
    .filter((f) => f.endsWith(".whl"))
    .flatMap((f) => {
      try {
        const w = parseWheelName(f);
        return w.distribution === spec.distribution && w.version.startsWith(spec.prefix) ? [{ f, w }] : [];
      } catch {
        return [];
      }
    })
    .sort((a, b) => a.w.version.localeCompare(b.w.version, undefined, { numeric: true }));
  const last = found.pop();
  return last === undefined ? null : path.join(wheelsDir, last.f);
}

/** pip, as a python module first (pip's own advice), then the commands. */
function pipCommands(): [string, string[]][] {
  const py = process.env.NFX_PYTHON;
  return [
    ...(py ? [[py, ["-m", "pip"]] as [string, string[]]] : []),
    ["python3", ["-m", "pip"]],
    ["pip3", []],
    ["pip", []],
  ];
}

export function pipDownload(flavour: NativeFlavour, wheelsDir: string): string {
  fs.mkdirSync(wheelsDir, { recursive: true });
  const spec = DEFAULT_WHEEL_SPEC[flavour];
  const errors: string[] = [];
  for (const [cmd, pre] of pipCommands()) {
    const args = [...pre, "download", spec.requirement, "--no-deps", "--only-binary=:all:", "-d", wheelsDir];
    try {
      runTool("pip download", cmd, args, wheelsDir);
      const got = cachedWheel(wheelsDir, flavour);
      if (got !== null) return got;
      errors.push(`${cmd}: no ${spec.distribution} ${spec.prefix}* wheel in ${wheelsDir} afterwards`);
    } catch (err) {
      errors.push(err instanceof Error ? err.message : String(err));
      if (!/could not run/.test(errors[errors.length - 1] as string)) break;
    }
  }
  throw new Error(
    `could not download ${spec.requirement} with pip (${errors.join("; ")}); give a wheel file with --wheel FILE`,
  );
}
