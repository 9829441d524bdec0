// The outstanding Slurm task of each run: written at submission, moved aside once its result is collected. One
// file per run, so that a re-submission of some runs never rewrites the records of others.
import fs from "node:fs";
import path from "node:path";
import { writeFileAtomic } from "../../base/files.js";
import type { SweepDirs } from "./layout.js";

export interface TaskRecord {
  hash: string;
  job_id: string;
  task: number;
  submitted_at: string;
}

export function taskId(t: TaskRecord): string {
  return `${t.job_id}_${t.task}`;
}

export function writeTask(dirs: SweepDirs, t: TaskRecord): void {
  const file = path.join(dirs.tasks, `${t.hash}.json`);
  writeFileAtomic(file, `${JSON.stringify(t)}\n`);
}

/** The outstanding (not yet collected) tasks of a sweep. */
export function outstandingTasks(dirs: SweepDirs): TaskRecord[] {
  if (!fs.existsSync(dirs.tasks)) return [];
  return fs
    .readdirSync(dirs.tasks)
    .filter((f) => f.endsWith(".json"))
    .map((f) => JSON.parse(fs.readFileSync(path.join(dirs.tasks, f), "utf8")) as TaskRecord);
}

export function markCollected(dirs: SweepDirs, t: TaskRecord): void {
  fs.mkdirSync(dirs.collected, { recursive: true });
  fs.renameSync(path.join(dirs.tasks, `${t.hash}.json`), path.join(dirs.collected, `${t.hash}.${taskId(t)}.json`));
}
