// The Slurm client programs nfx uses (sbatch, squeue, sacct, scancel), behind small typed functions. Accounting
// (sacct) is optional on many clusters, so nothing depends on it: it only adds the final state of a dead task.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

/** The absolute path of a program on PATH, or null. */
export function which(program: string, envPath: string = process.env.PATH ?? ""): string | null {
  for (const dir of envPath.split(path.delimiter)) {
    if (!dir) continue;
    const p = path.join(dir, program);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      if (fs.statSync(p).isFile()) return p;
    } catch {
      // not in this directory
    }
  }
  return null;
}

export function assertSlurmClient(): void {
  if (!which("sbatch")) {
    throw new Error("--executor slurm: sbatch is not on PATH (run nfx on a Slurm login node, or use --executor local)");
  }
}

function run(program: string, args: string[]): { ok: boolean; stdout: string; stderr: string } {
  const r = spawnSync(program, args, { encoding: "utf8" });
  return { ok: r.status === 0 && !r.error, stdout: r.stdout ?? "", stderr: r.stderr ?? r.error?.message ?? "" };
}

/** Slurm's default MaxArraySize (slurm.conf): array indices run from 0 to one less than it. */
export const DEFAULT_MAX_ARRAY_SIZE = 1001;

/**
 * The cluster's MaxArraySize, from `scontrol show config` (`MaxArraySize = 1001`): a job array's indices must stay
 * below it (`--array=1001-2000` is refused as well as `--array=0-1100`). Slurm's default when scontrol is absent,
 * fails, or does not say.
 */
export function maxArraySize(): number {
  if (!which("scontrol")) return DEFAULT_MAX_ARRAY_SIZE;
  const r = run("scontrol", ["show", "config"]);
  const m = r.ok ? /^\s*MaxArraySize\s*=\s*(\d+)/m.exec(r.stdout) : null;
  const n = m ? Number(m[1]) : Number.NaN;
  return Number.isInteger(n) && n >= 1 ? n : DEFAULT_MAX_ARRAY_SIZE;
}

/** Submits a script; returns the job id. */
export function sbatch(script: string): string {
  const r = run("sbatch", ["--parsable", script]);
  if (!r.ok) throw new Error(`sbatch failed: ${r.stderr.trim().split("\n")[0] ?? "no message"}`);
  const id = r.stdout.trim().split(";")[0] ?? "";
  if (!/^\d+$/.test(id)) throw new Error(`sbatch printed no job id (${r.stdout.trim()})`);
  return id;
}

/**
 * States of the live tasks of these jobs, keyed `<job>_<task>` (PENDING, RUNNING, …); null when squeue is not
 * available or fails, i.e. when liveness is unknown.
 */
export function squeueTasks(jobIds: readonly string[]): Map<string, string> | null {
  if (jobIds.length === 0) return new Map();
  if (!which("squeue")) return null;
  const r = run("squeue", ["-h", "-r", "-j", jobIds.join(","), "-o", "%i %T"]);
  // squeue exits non-zero when every listed job has left the queue ("Invalid job id specified").
  if (!r.ok && !/Invalid job id/i.test(r.stderr)) return null;
  const out = new Map<string, string>();
  for (const line of r.stdout.split("\n")) {
    const [id, state] = line.trim().split(/\s+/);
    if (id && state) out.set(id, state);
  }
  return out;
}

/** Final states of these jobs' tasks from accounting, keyed `<job>_<task>`; empty without accounting. */
export function sacctTasks(jobIds: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  if (jobIds.length === 0 || !which("sacct")) return out;
  const r = run("sacct", ["-n", "-P", "-X", "-j", jobIds.join(","), "-o", "JobID,State"]);
  if (!r.ok) return out;
  for (const line of r.stdout.split("\n")) {
    const [id, state] = line.trim().split("|");
    if (id && state && /^\d+_\d+$/.test(id)) out.set(id, state.split(" ")[0] ?? state);
  }
  return out;
}
