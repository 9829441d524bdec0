// Which process owns a running run: the orchestrator that claimed it (and writes for it), named by host and pid,
// and whether such a process is still alive — what lets a sweep reclaim runs whose owner died (kill -9).
import os from "node:os";

/** Who holds a running run: the orchestrator process that claimed it (and writes for it). */
export interface RunOwner {
  host: string;
  pid: number;
}

/** This process as an owner. */
export function thisOwner(): RunOwner {
  return { host: os.hostname(), pid: process.pid };
}

/** Whether a process on this host is alive (a process we may not signal still exists). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
