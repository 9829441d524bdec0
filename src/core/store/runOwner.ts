// Which process owns a running run: the orchestrator that claimed it (and writes for it), named by host and pid,
// and whether such a process is still alive — what lets a sweep reclaim runs whose owner died (kill -9).
import fs from "node:fs";
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

/** Where the kernel tells a process's state (Linux); elsewhere a signalable pid counts as alive. */
const PROC_STAT = fs.existsSync("/proc/self/stat");

/**
 * Whether a process on this host is alive. A process we may not signal still exists (EPERM); a killed process
 * that its parent has not reaped yet (a zombie, state Z or X in /proc/PID/stat on Linux) is dead: it can no longer
 * write, though `kill(pid, 0)` still finds it — what a sweep restarted right after a kill -9 meets.
 */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  if (!PROC_STAT) return true;
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return false; // gone between the two looks
  }
  // "pid (comm) S …": comm may hold spaces and parentheses, the state follows the last ')'.
  const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  return state !== "Z" && state !== "X";
}

/**
 * Why the owner of a running run counts as gone, or null while it counts as alive: on this host, when its process
 * is dead; on any host, when its heartbeat (ISO time, refreshed by the owner's writer about every second) is older
 * than `staleSeconds`. The same rule as RunStore.reapOrphans, for a cheap look before taking the write lock.
 */
export function ownerGone(
  owner: RunOwner | null,
  heartbeatAt: string | null,
  staleSeconds: number,
  nowMs: number = Date.now(),
  alive: (pid: number) => boolean = pidAlive,
): string | null {
  if (owner && owner.host === os.hostname() && !alive(owner.pid)) return `owner process ${owner.pid} is gone`;
  const age = (nowMs - (heartbeatAt ? Date.parse(heartbeatAt) : 0)) / 1000;
  return age > staleSeconds
    ? `no heartbeat for ${Math.round(age)} s (owner ${owner ? `${owner.host}:${owner.pid}` : "unknown"})`
    : null;
}
