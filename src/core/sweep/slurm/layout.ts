// Where a Slurm sweep keeps its files: next to the store, because compute nodes must see them (a shared
// filesystem) and because a store's shards belong to that store only.
//
//   <db dir>/<db name>.slurm/<sweep name>/
//     runs/<hash>.json      the resolved config of each run (what a task trains)
//     sbatch/<job>.sh       each submitted script (named by submission time until Slurm gives it an id)
//     tasks/<hash>.json     the outstanding Slurm task of a run; moved to tasks/collected/ once collected
//     shards/<hash>.db      the run's result shard, written by its task alone
//     shards/<hash>.exit    the task's exit status (absent when Slurm killed it)
//     logs/<job>_<task>.out the task's stdout and stderr
import fs from "node:fs";
import path from "node:path";

export interface SweepDirs {
  root: string;
  runs: string;
  sbatch: string;
  tasks: string;
  collected: string;
  shards: string;
  imported: string;
  logs: string;
}

/** The directory holding every Slurm sweep of a store. */
export function slurmRoot(db: string): string {
  const abs = path.resolve(db);
  return path.join(path.dirname(abs), `${path.basename(abs).replace(/\.db$/, "")}.slurm`);
}

/** A sweep name as one safe path component. */
export function sweepDirName(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]+/g, "_").replace(/^\.+/, "_") || "sweep";
}

export function sweepDirs(db: string, sweepName: string): SweepDirs {
  const root = path.join(slurmRoot(db), sweepDirName(sweepName));
  return {
    root,
    runs: path.join(root, "runs"),
    sbatch: path.join(root, "sbatch"),
    tasks: path.join(root, "tasks"),
    collected: path.join(root, "tasks", "collected"),
    shards: path.join(root, "shards"),
    imported: path.join(root, "shards", "imported"),
    logs: path.join(root, "logs"),
  };
}

/** Every Slurm sweep directory of a store (none when the store never used Slurm). */
export function allSweepDirs(db: string): SweepDirs[] {
  const root = slurmRoot(db);
  if (!fs.existsSync(root)) return [];
  return fs
    .readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => sweepDirs(db, d.name));
}

export function makeSweepDirs(d: SweepDirs): void {
  for (const p of [d.runs, d.sbatch, d.tasks, d.collected, d.shards, d.imported, d.logs]) {
    fs.mkdirSync(p, { recursive: true });
  }
}
